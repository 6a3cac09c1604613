/** Every error code the API answers with is listed in the README (as `CODE`). */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../http/errors.js';

describe('README', () => {
  it('documents every error code of ERROR_CODES', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((code) => !readme.includes(`\`${code}\``));
    expect(missing, `error codes missing from README.md: ${missing.join(', ')}`).toEqual([]);
  });
});
