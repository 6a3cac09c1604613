/** Answers of read models kept per content version (application/read-cache.ts), and the type of a body serialised ahead of time. */
export { ReadCache } from '../application/read-cache.js';

/** The content type of a body serialised ahead of time (Fastify sends such a string as it is). */
export const JSON_TYPE = 'application/json; charset=utf-8';
