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
      /** Resolves on the next change (true), or false once stopped. */
      changed: (signal?: AbortSignal) => Promise<boolean>;
      onError: (error: unknown) => void;
    },
  ) {}

  async *readConfigData(
    options?: ReadConfigDataOptions,
  ): AsyncConfigSourceGenerator {
    const signal = options?.signal;
    yield { configs: this.options.first };
    while (!signal?.aborted && (await this.options.changed(signal))) {
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
