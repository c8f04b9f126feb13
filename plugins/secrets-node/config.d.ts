export interface Config {
  secrets?: {
    /** Settings of the secrets service client that backend plugins use. */
    client?: {
      /**
       * How long, in milliseconds, a plugin reuses a value it read (its own
       * reads, not reads on behalf of a user). Bounds how stale a value can
       * be after a change on any instance. Default 500; 0 disables reuse.
       */
      cacheTtlMilliseconds?: number;
    };
  };
}
