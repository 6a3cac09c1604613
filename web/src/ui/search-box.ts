/** Search as you type: the latest query's answer only, a short pause between keystrokes. */
import { useEffect, useState } from 'preact/hooks';
import { search } from '../api/catalog.js';
import { isAbort } from '../api/http.js';
import type { SearchResults } from '../api/types.js';

export interface SearchState {
  results?: SearchResults;
  /** The query the results answer. */
  answered?: string;
  error?: unknown;
  searching: boolean;
}

export function useSearch(q: string, delayMs = 120): SearchState {
  const [state, setState] = useState<SearchState>({ searching: false });
  useEffect(() => {
    const query = q.trim();
    if (!query) {
      setState({ searching: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, searching: true }));
    const timer = setTimeout(() => {
      search(query, controller.signal).then(
        (results) => setState({ results, answered: query, searching: false }),
        (error: unknown) => !isAbort(error) && setState({ error, searching: false }),
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q, delayMs]);
  return state;
}
