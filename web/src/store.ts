/** A value that components follow: `store.set(v)` re-renders every component that `useStore`s it. */
import { useLayoutEffect, useReducer } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(value: T): void;
  update(change: (value: T) => T): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  const store: Store<T> = {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
    update: (change) => store.set(change(value)),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return store;
}

/**
 * The store's value, the component drawn again whenever it changes. It subscribes when the render
 * is committed (a layout effect, not an effect: those run after the next paint, up to a frame
 * later) and draws again at once if the value changed between the render and then. A change in
 * that gap was lost before: the playlist's live document could sync (its socket, IndexedDB) just
 * after the screen was drawn with it, and the screen stayed on "Connecting…".
 */
export function useStore<T>(store: Store<T>): T {
  const [, rerender] = useReducer((n: number, _: void) => n + 1, 0);
  const value = store.get();
  useLayoutEffect(() => {
    const unsubscribe = store.subscribe(() => rerender());
    if (!Object.is(store.get(), value)) rerender();
    return unsubscribe;
  }, [store]);
  return value;
}
