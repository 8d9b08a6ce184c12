import { prettyFactory } from 'pino-pretty';

/**
 * A formatter for a person reading the local stack's output: each pino JSON line becomes
 * `[10:04:05.123] INFO: user signed in {"sub":"…","sid":"…"}` (an error's stack on the lines
 * after it); a line that is not JSON (a crash before the logger exists) stays as it is. Returns
 * the output's lines, so the caller can prefix each with the service's name.
 */
export function prettyLogLines(options: { colorize: boolean }): (line: string) => string[] {
  const pretty = prettyFactory({
    colorize: options.colorize,
    singleLine: true,
    // The stack prefixes every line with the service's name; pid and host say nothing locally.
    ignore: 'pid,hostname,service',
    translateTime: 'SYS:HH:MM:ss.l',
  });
  return (line) => pretty(line).replace(/\n$/, '').split('\n');
}
