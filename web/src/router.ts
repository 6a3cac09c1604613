/**
 * Client-side routes on the History API: `/`, `/search?q=`, `/album/:id`, `/artist/:id`,
 * `/playlist/:id`, ... (screens.ts). The server answers each of these paths with the client, so
 * a reload or a shared link opens the same screen.
 */
import { SCREENS_WITH_ID } from './screens.js';
import { createStore, useStore } from './store.js';

export type Route =
  | { name: 'home' }
  | { name: 'search'; q: string }
  | { name: 'album'; id: string }
  | { name: 'artist'; id: string }
  | { name: 'playlist'; id: string }
  | { name: 'playlists' }
  | { name: 'charts' }
  | { name: 'friends' }
  | { name: 'user'; id: string }
  | { name: 'browse' }
  | { name: 'genre'; id: string }
  | { name: 'signin' }
  | { name: 'not-found' };

const WITH_ID = new Set<string>(SCREENS_WITH_ID);

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  const [head, id, ...rest] = parts;
  if (!head) return { name: 'home' };
  if (rest.length > 0) return { name: 'not-found' };
  if (WITH_ID.has(head)) return id ? ({ name: head, id } as Route) : { name: 'not-found' };
  if (id !== undefined) return { name: 'not-found' };
  switch (head) {
    case 'search':
      return { name: 'search', q: new URLSearchParams(search).get('q') ?? '' };
    case 'playlists':
    case 'charts':
    case 'friends':
    case 'browse':
    case 'signin':
      return { name: head };
    default:
      return { name: 'not-found' };
  }
}

export function href(route: Route): string {
  switch (route.name) {
    case 'home':
      return '/';
    case 'search':
      return route.q ? `/search?q=${encodeURIComponent(route.q)}` : '/search';
    case 'album':
    case 'artist':
    case 'playlist':
    case 'user':
    case 'genre':
      return `/${route.name}/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return '/';
    default:
      return `/${route.name}`;
  }
}

const current = createStore<Route>(parseRoute(location.pathname, location.search));

export function useRoute(): Route {
  return useStore(current);
}

export function currentRoute(): Route {
  return current.get();
}

/** Goes to `path` (pushes history unless `replace`), then moves focus to the new screen's heading. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = new URL(path, location.origin);
  if (url.origin !== location.origin) {
    location.assign(url);
    return;
  }
  const target = url.pathname + url.search;
  if (target === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  const previous = current.get().name;
  current.set(parseRoute(url.pathname, url.search));
  if (!options.replace && current.get().name !== previous) window.scrollTo(0, 0);
  if (!options.replace) focusMainSoon();
}

addEventListener('popstate', () => current.set(parseRoute(location.pathname, location.search)));

/**
 * After a screen change, focus goes to its main heading (screen readers announce the new page).
 * A screen that loads first shows its heading later: wait for it (up to 3 s), unless the person
 * has moved the focus meanwhile.
 */
function focusMainSoon(): void {
  const started = performance.now();
  const previous = document.querySelector('main h1');
  const from = document.activeElement;
  const tryFocus = () => {
    const active = document.activeElement;
    if (active && active !== from && active !== document.body && active !== previous) return;
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading && (heading !== previous || performance.now() - started > 100)) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      return;
    }
    if (performance.now() - started < 3_000) requestAnimationFrame(tryFocus);
  };
  requestAnimationFrame(tryFocus);
}

/** Same-origin link clicks go through the router instead of reloading the page. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    if (anchor.pathname.startsWith('/v1/') || anchor.pathname.startsWith('/media/')) return;
    event.preventDefault();
    navigate(anchor.pathname + anchor.search);
  });
}
