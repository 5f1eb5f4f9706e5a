import cliProgress from 'cli-progress';

export interface Progress {
  tick(by?: number, note?: string): void;
  stop(): void;
}

/** A progress bar on stderr (a line every 10% when stderr is not a terminal); silent when quiet. */
export function progress(title: string, total: number, quiet = false): Progress {
  if (quiet || total === 0) return { tick() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${title.padEnd(24)} [{bar}] {percentage}% {value}/{total} eta {eta_formatted} {note}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { note: '' });
    return { tick: (by = 1, note = '') => bar.increment(by, { note }), stop: () => bar.stop() };
  }
  let done = 0;
  let shown = 0;
  const start = performance.now();
  return {
    tick(by = 1, note = '') {
      done += by;
      const pct = Math.floor((done / total) * 10);
      if (pct > shown || done === total) {
        shown = pct;
        process.stderr.write(
          `${title}: ${done}/${total} (${Math.round((done / total) * 100)}%, ${((performance.now() - start) / 1000).toFixed(0)} s)${note ? ` ${note}` : ''}\n`,
        );
      }
    },
    stop() {},
  };
}
