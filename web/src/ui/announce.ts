/** Messages for screen readers (a polite live region in the page) and for the toast line. */
import { createStore } from '../store.js';

export interface Notice {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

export const notices = createStore<Notice[]>([]);
let nextId = 1;

/** Shows `text` for a few seconds and reads it out. */
export function announce(text: string, kind: Notice['kind'] = 'info'): void {
  const notice = { id: nextId++, text, kind };
  notices.update((list) => [...list.slice(-2), notice]);
  setTimeout(() => notices.update((list) => list.filter((n) => n.id !== notice.id)), kind === 'error' ? 8000 : 4000);
}
