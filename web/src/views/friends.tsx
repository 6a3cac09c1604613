/** Friends: what the people you follow play, who you follow, who follows you, follow someone. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { getFollowers, getFollowing } from '../api/social.js';
import type { FollowUser } from '../api/types.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { useResource } from '../ui/resource.js';
import { Empty, ErrorMessage, Loading } from '../ui/status.js';
import { FriendActivity, Section } from './home.js';

export function Friends(): JSX.Element {
  const me = useSession()!.userId;
  return (
    <>
      <h1>Friends</h1>
      <FindPerson />
      <Section title="Friend activity">
        <FriendActivity />
      </Section>
      <Section title="You follow">
        <People load={(signal) => getFollowing(me, signal)} empty="You follow no one yet." label="People you follow" />
      </Section>
      <Section title="Your followers">
        <People load={(signal) => getFollowers(me, signal)} empty="No followers yet." label="Your followers" />
      </Section>
    </>
  );
}

function FindPerson(): JSX.Element {
  const [userId, setUserId] = useState('');
  return (
    <form
      class="form inline-form"
      aria-labelledby="find-person"
      onSubmit={(e) => {
        e.preventDefault();
        if (userId.trim()) navigate(href({ name: 'user', id: userId.trim() }));
      }}
    >
      <h2 id="find-person">Find someone</h2>
      <label for="find-person-id">Their user name</label>
      <div class="row">
        <input id="find-person-id" required maxLength={128} value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        <button class="button" type="submit">
          Open profile
        </button>
      </div>
    </form>
  );
}

export function People({ load, empty, label }: { load: (signal: AbortSignal) => Promise<{ items: FollowUser[]; total?: number }>; empty: string; label: string }): JSX.Element {
  const people = useResource(load, []);
  if (people.error) return <ErrorMessage error={people.error} retry={people.reload} />;
  if (!people.data) return <Loading />;
  if (people.data.items.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul class="people" aria-label={label}>
      {people.data.items.map((p) => (
        <li key={p.userId}>
          <span class="avatar" aria-hidden="true">
            {(p.displayName ?? p.userId).slice(0, 1).toUpperCase()}
          </span>
          <a href={href({ name: 'user', id: p.userId })}>{p.displayName ?? p.userId}</a>
        </li>
      ))}
    </ul>
  );
}
