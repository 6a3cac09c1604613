// The layer rules of DESIGN.md section 1, checked by `npm run lint` (dependency-cruiser).
// Dependencies point one way, down this list; a layer may use those below it, never those above.
// The edges sit side by side: they never import each other (what two edges share lives in
// application/). The domain is pure: it imports only itself and pure packages (no I/O).
// tests/boundaries.test.ts runs this file on deliberate violations, so it cannot pass silently.

/** Lowest first. A row of several folders is one layer whose folders may not import each other. */
const LAYERS = [
  ['domain'],
  ['gateways'],
  ['projections'],
  ['application'],
  ['http', 'subsonic', 'sync-server', 'cli'],
  ['app'],
];
/** Packages the domain may use: pure computation, no I/O (the CRDT and its encoding). */
const PURE_PACKAGES = ['yjs', 'lib0'];

const folders = (names) => `^(${names.join('|')})/`;
/** Tests and the given/when/then helper they use may import the test runner. */
const TEST_SUPPORT = '(\\.test\\.ts|/given-when-then\\.ts)$';

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-import-from-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not import ${LAYERS.slice(i + 1).flat().join(', ')} (above it in DESIGN.md section 1)`,
  severity: 'error',
  from: { path: folders(layer) },
  to: { path: folders(LAYERS.slice(i + 1).flat()) },
}));

const sideways = LAYERS.filter((layer) => layer.length > 1).flatMap((layer) =>
  layer.map((edge) => ({
    name: `edges-never-import-each-other-${edge}`,
    comment: `${edge}/ may not import another edge (${layer.filter((e) => e !== edge).join(', ')}): share through application/`,
    severity: 'error',
    from: { path: folders([edge]) },
    to: { path: folders(layer.filter((e) => e !== edge)) },
  })),
);

const pureDomain = {
  name: 'domain-imports-nothing-with-io',
  comment: `domain/ imports only domain/ and pure packages (${PURE_PACKAGES.join(', ')}): no node built-ins, no drivers, no I/O`,
  severity: 'error',
  from: { path: '^domain/', pathNot: TEST_SUPPORT },
  to: { pathNot: `^(domain/|node_modules/(${PURE_PACKAGES.join('|')})/)` },
};

const noCycles = {
  name: 'no-circular',
  comment: 'modules do not import each other in a loop (shared types aside)',
  severity: 'error',
  from: { path: folders(LAYERS.flat()) },
  to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [...upward, ...sideways, pureDomain, noCycles],
  options: {
    includeOnly: `^(${LAYERS.flat().join('|')}|node_modules)/|^node:|^[a-z_]+$`,
    exclude: { path: '^node_modules/.*/node_modules/' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    moduleSystems: ['es6', 'cjs'],
  },

};
