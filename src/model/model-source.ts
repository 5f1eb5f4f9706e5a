import { loadPredictor, type Predictor } from './predictor.js';
import { versionDir } from './registry.js';

export interface ModelSourceOptions {
  registry: string;
  /** The serving version as the source of truth says now (the store's alias); null: none set. */
  readServing: () => Promise<string | null>;
  /** Refuses a predictor that cannot serve here (another taxonomy): throws with why. */
  accept?: (p: Predictor) => void;
  /** Told of every change and every failed attempt (for the log). */
  onEvent?: (e: ModelSourceEvent) => void;
}

export type ModelSourceEvent =
  | { kind: 'loaded'; version: string; previous: string | null }
  | { kind: 'failed'; version: string | null; error: string };

/**
 * The model a worker serves, kept in step with the registry's serving alias. `refresh()`
 * reads the alias and, when it names another version, loads and checks that version
 * completely before `current()` answers with it: a job never sees a half-loaded model, and a
 * version that cannot be loaded (missing on this machine, corrupt, another taxonomy) leaves
 * the one serving in place. A job that already holds a predictor finishes with it.
 */
export class ModelSource {
  #current: Predictor | null;
  #loading: Promise<boolean> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failedVersion: string | null = null;

  constructor(
    private readonly o: ModelSourceOptions,
    initial: Predictor | null,
  ) {
    this.#current = initial;
  }

  current(): Predictor | null {
    return this.#current;
  }

  /** Loads the serving version if it changed; true when the model changed. One refresh at a time. */
  refresh(): Promise<boolean> {
    this.#loading ??= this.#refresh().finally(() => (this.#loading = null));
    return this.#loading;
  }

  async #refresh(): Promise<boolean> {
    let version: string | null;
    try {
      version = await this.o.readServing();
    } catch (err) {
      this.o.onEvent?.({ kind: 'failed', version: null, error: (err as Error).message });
      return false;
    }
    if (version === null || version === this.#current?.version) return false;
    try {
      const next = await loadPredictor(versionDir(this.o.registry, version));
      if (next.version !== version)
        throw new Error(`the manifest in ${versionDir(this.o.registry, version)} names version ${next.version}`);
      this.o.accept?.(next);
      const previous = this.#current?.version ?? null;
      this.#current = next;
      this.#failedVersion = null;
      this.o.onEvent?.({ kind: 'loaded', version, previous });
      return true;
    } catch (err) {
      // said once per version, not at every poll
      if (this.#failedVersion !== version) this.o.onEvent?.({ kind: 'failed', version, error: (err as Error).message });
      this.#failedVersion = version;
      return false;
    }
  }

  /** Refreshes every `ms` until stopped; `onChange` hears of each new model. */
  watch(ms: number, onChange: (p: Predictor) => void): void {
    this.stop();
    const tick = () =>
      void this.refresh().then((changed) => {
        if (changed && this.#current) onChange(this.#current);
      });
    this.#timer = setInterval(tick, ms);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
