/**
 * The routes README.md's route tables name: every table row whose first cell starts with a
 * method in backticks. The cell may list several routes in the forms the README uses:
 *
 *   `GET /v1/tracks/:id`, `/v1/albums/:id`                   another absolute path, same method
 *   `PUT`/`DELETE /v1/me/following/users/:id`, `/artists/:id` two methods; a path relative to the
 *                                                            previous one (its last segments replaced)
 *   `PUT /v1/playlists/:id/collaborators/:userId` `{…}`, `DELETE …`   a body (skipped); … = same path
 *   `GET /healthz` / `GET /readyz`                           one method each
 *
 * Query strings are dropped; WebSocket rows (`WS …`) are not HTTP routes and are skipped.
 */
export interface ReadmeRoute {
  method: string;
  /** With path parameters as `{name}`, as OpenAPI writes them. */
  path: string;
  /** The README line it comes from. */
  line: number;
}

const METHOD = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|WS)$/;

export function readmeRoutes(readme: string): ReadmeRoute[] {
  const routes: ReadmeRoute[] = [];
  readme.split('\n').forEach((text, index) => {
    if (!text.startsWith('|')) return;
    const cell = text.split('|')[1] ?? '';
    const tokens = [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!.trim());
    if (tokens.length === 0 || !METHOD.test(tokens[0]!.split(/\s+/)[0]!)) return;
    let methods: string[] = [];
    let methodsOnly = false;
    let last: string | undefined;
    for (const token of tokens) {
      if (token.startsWith('{')) continue;
      const words = token.split(/\s+/);
      const own: string[] = [];
      while (words.length > 0 && METHOD.test(words[0]!)) own.push(words.shift()!);
      if (own.length > 0) methods = methodsOnly ? [...methods, ...own] : own;
      const target = words.join(' ');
      methodsOnly = target === '';
      if (methodsOnly) continue;
      let path = target === '…' || target === '...' ? last : target.split('?')[0]!;
      if (path === undefined || !path.startsWith('/')) continue;
      if (own.length === 0 && last !== undefined && !path.startsWith('/v1/')) {
        const parts = path.split('/').filter(Boolean);
        path = `/${[...last.split('/').filter(Boolean).slice(0, -parts.length), ...parts].join('/')}`;
      }
      last = path;
      for (const method of methods) {
        if (method !== 'WS') routes.push({ method, path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'), line: index + 1 });
      }
    }
  });
  return routes;
}
