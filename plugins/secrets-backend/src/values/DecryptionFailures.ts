/**
 * The shared secrets whose stored row failed to decrypt (altered, or under
 * a key that decrypts it no more), with why: a read records the failure,
 * the list shows it as the summary's `error`, and any write of the name
 * forgets it (the new row is readable again). In memory: a restart, or
 * another replica, learns it again at the next read.
 */
export class DecryptionFailures {
  readonly #messages = new Map<string, string>();

  record(name: string, message: string): void {
    this.#messages.set(name, message);
  }

  forget(name: string): void {
    this.#messages.delete(name);
  }

  has(name: string): boolean {
    return this.#messages.has(name);
  }

  messageOf(name: string): string | undefined {
    return this.#messages.get(name);
  }
}
