/** Someone's profile: name, followers, following, and a follow button. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { getFollowers, getFollowing, getUser } from '../api/social.js';
import { useSession } from '../session.js';
import { plural } from '../ui/format.js';
import { useResource } from '../ui/resource.js';
import { ErrorMessage, Loading } from '../ui/status.js';
import { FollowButton } from './follow-button.js';
import { Section } from './home.js';
import { People } from './friends.js';

export function UserView({ id }: { id: string }): JSX.Element {
  const me = useSession()!.userId;
  const [after, setAfter] = useState<string | undefined>();
  const user = useResource((signal) => getUser(id, { after, signal }), [id, after]);
  if (user.error) return <ErrorMessage error={user.error} retry={user.reload} />;
  if (!user.data) return <Loading label="Loading the profile" />;
  const u = user.data;
  return (
    <>
      <header class="hero">
        <span class="avatar large" aria-hidden="true">
          {u.displayName.slice(0, 1).toUpperCase()}
        </span>
        <div>
          <p class="eyebrow">Profile</p>
          <h1>{u.displayName}</h1>
          <p class="muted">
            @{u.userId} · {plural(u.followers ?? 0, 'follower')} · {u.following ?? 0} following
          </p>
          {u.userId !== me && <FollowButton target="users" id={u.userId} name={u.displayName} onChange={(_, position) => (position ? setAfter(position) : user.reload())} />}
        </div>
      </header>
      <Section title="Follows">
        <People key={`following-${id}`} load={(signal) => getFollowing(id, signal)} empty="Follows no one yet." label={`People ${u.displayName} follows`} />
      </Section>
      <Section title="Followers">
        <People key={`followers-${id}-${u.followers}`} load={(signal) => getFollowers(id, signal)} empty="No followers yet." label={`Followers of ${u.displayName}`} />
      </Section>
    </>
  );
}
