/**
 * Terminal colour, only where it helps: on a TTY, never when NO_COLOR is set (https://no-color.org) or the terminal
 * is dumb. FORCE_COLOR turns it on for a pipe. Twelve lines, so no dependency.
 */
export interface Colors {
  bold(text: string): string;
  green(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  const on = env.NO_COLOR === undefined && env.TERM !== 'dumb' && (stream.isTTY === true || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0'));
  const wrap = (open: number, close: number) => (text: string) => (on ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { bold: wrap(1, 22), green: wrap(32, 39), red: wrap(31, 39), dim: wrap(2, 22) };
}
