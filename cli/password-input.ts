/**
 * Passwords for `chorus users`: never on the command line (other users see it in `ps`, shells
 * keep it in history). On a terminal, a prompt that does not echo (asked twice); otherwise the
 * first line of stdin (`printf '%s\n' "$PW" | chorus users create ann`).
 */
import type { CliContext } from './context.js';
import { CliFailure } from './args.js';

export async function readPassword(ctx: CliContext, what = 'Password'): Promise<string> {
  const input = ctx.stdin;
  if (input.isTTY && input.setRawMode) {
    const first = await prompt(ctx, `${what}: `);
    const again = await prompt(ctx, `${what} (again): `);
    if (first !== again) throw new CliFailure('the two passwords differ');
    return first;
  }
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > 8_192) break;
  }
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  if (line.length === 0) throw new CliFailure('no password on stdin (give it as the first line)');
  return line;
}

function prompt(ctx: CliContext, question: string): Promise<string> {
  const input = ctx.stdin;
  ctx.stderr.write(question);
  input.setRawMode!(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode!(false);
      input.pause();
      input.off('data', onData);
      ctx.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliFailure('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}
