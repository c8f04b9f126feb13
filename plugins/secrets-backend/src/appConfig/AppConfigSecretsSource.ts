import type {
  AsyncConfigSourceGenerator,
  ConfigSource,
  ConfigSourceData,
  ReadConfigDataOptions,
} from '@backstage/config-loader';

/** Reads the configuration once, with the stored values known right now. */
export type ReadOnce = () => Promise<ConfigSourceData[]>;

/** Reads a source's first result and stops it. */
export async function readFirst(
  source: ConfigSource,
): Promise<ConfigSourceData[]> {
  const abort = new AbortController();
  const reads = source.readConfigData({ signal: abort.signal });
  try {
    const first = await reads.next();
    return first.done ? [] : first.value.configs;
  } finally {
    abort.abort();
    await reads.return(undefined);
  }
}

/**
 * Tells the source that the configuration changed: a change noticed while
 * the source is busy (not waiting) is kept for its next wait.
 */
export class ChangeSignal {
  #wake: ((changed: boolean) => void) | undefined;
  #pending = false;
  #stopped = false;

  get stopped(): boolean {
    return this.#stopped;
  }

  notify(): void {
    this.#pending = true;
    this.#release(true);
  }

  /** Ends every wait with false, now and later. */
  stop(): void {
    this.#stopped = true;
    this.#release(false);
  }

  /** Resolves true on the next change (or one pending), false once stopped. */
  next(): Promise<boolean> {
    return new Promise<boolean>(resolve => {
      if (this.#stopped) return resolve(false);
      if (this.#pending) {
        this.#pending = false;
        return resolve(true);
      }
      this.#wake = changed => {
        this.#pending = false;
        resolve(changed);
      };
      return undefined;
    });
  }

  #release(changed: boolean) {
    const waiting = this.#wake;
    this.#wake = undefined;
    waiting?.(changed);
  }
}

/**
 * The stock sources read again whenever `changed` resolves: substitution runs
 * only while a file is read, so a new stored value needs a new read. The
 * config proxy that consumes this notifies its subscribers only when the
 * data really changed.
 */
export class AppConfigSecretsSource implements ConfigSource {
  constructor(
    private readonly options: {
      first: ConfigSourceData[];
      read: ReadOnce;
      changes: ChangeSignal;
      /** Called once when the config is closed (its signal aborted). */
      onClose: () => void;
      onError: (error: unknown) => void;
    },
  ) {}

  async *readConfigData(
    options?: ReadConfigDataOptions,
  ): AsyncConfigSourceGenerator {
    const { changes, onClose } = this.options;
    const signal = options?.signal;
    signal?.addEventListener('abort', onClose, { once: true });
    yield { configs: this.options.first };
    while (!signal?.aborted && (await changes.next())) {
      try {
        yield { configs: await this.options.read() };
      } catch (error) {
        // Keep serving the last good configuration.
        this.options.onError(error);
      }
    }
  }

  toString() {
    return 'AppConfigSecretsSource';
  }
}
