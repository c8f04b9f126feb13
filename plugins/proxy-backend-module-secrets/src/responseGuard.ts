import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Response } from 'express';

/**
 * How much of an upstream's answer is held back and checked before anything
 * is sent to the caller. A reflected value within this many bytes turns the
 * whole answer into a 502; past it the answer streams, still checked, and
 * a value found there ends the connection before the value is written.
 */
export const RESPONSE_CHECK_LIMIT = 1024 * 1024;

/**
 * The byte sequences that show a filled value came back in an answer: each
 * value as sent, and as a JSON string would escape it (an upstream that
 * echoes request headers usually answers JSON).
 */
export function reflectionPatterns(values: Iterable<string>): Buffer[] {
  const patterns = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    patterns.add(value);
    patterns.add(JSON.stringify(value).slice(1, -1));
  }
  return [...patterns].map(p => Buffer.from(p, 'utf8'));
}

function reflects(bytes: Buffer, patterns: Buffer[]): boolean {
  return patterns.some(pattern => bytes.includes(pattern));
}

export interface GuardOptions {
  /** The answer's status and the headers that may be forwarded. */
  statusCode: number;
  headers: OutgoingHttpHeaders;
  patterns: Buffer[];
  /** Whether the answer has no body by definition (HEAD, 204, 304). */
  bodiless: boolean;
  /** Answers the caller 502 with this message; nothing of the upstream's answer is sent. */
  refuse(message: string): void;
  /** Called once when a value was found after the answer began to stream. */
  onLeakWhileStreaming(): void;
  limit?: number;
}

/**
 * Forwards an upstream's answer to the caller unless it holds a filled
 * value: in a forwarded header, in a content encoding it cannot read, or in
 * the body. Never writes a byte sequence that contains a value.
 */
export function forwardCheckedResponse(
  upstream: IncomingMessage,
  res: Response,
  options: GuardOptions,
): void {
  const { patterns, headers } = options;
  const limit = options.limit ?? RESPONSE_CHECK_LIMIT;

  const headerText = Object.values(headers)
    .flatMap(v => (Array.isArray(v) ? v : [String(v)]))
    .join('\n');
  if (reflects(Buffer.from(headerText, 'utf8'), patterns)) {
    upstream.resume();
    options.refuse('the upstream answered with a filled value in a header');
    return;
  }
  const encoding = String(upstream.headers['content-encoding'] ?? 'identity');
  if (encoding.toLowerCase() !== 'identity' && patterns.length > 0) {
    upstream.resume();
    options.refuse(
      `the upstream answered in content encoding '${encoding}', which the proxy cannot check for filled values`,
    );
    return;
  }

  // The longest pattern less one byte stays unsent until the next chunk
  // shows whether it starts a value.
  const keep = Math.max(0, ...patterns.map(p => p.length - 1));
  let held: Buffer[] = [];
  let heldBytes = 0;
  let streaming = false;
  let tail: Buffer = Buffer.alloc(0);
  let stopped = false;

  const writeAllButTail = (bytes: Buffer) => {
    const cut = bytes.length - keep;
    if (cut <= 0) {
      tail = bytes;
      return;
    }
    tail = bytes.subarray(cut);
    if (!res.write(bytes.subarray(0, cut))) {
      upstream.pause();
      res.once('drain', () => upstream.resume());
    }
  };

  upstream.on('data', (chunk: Buffer) => {
    if (stopped) return;
    if (!streaming) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes <= limit) return;
      const start = Buffer.concat(held);
      held = [];
      if (reflects(start, patterns)) {
        stopped = true;
        upstream.resume();
        options.refuse('the upstream answered with a filled value in its body');
        return;
      }
      streaming = true;
      res.writeHead(options.statusCode, headers);
      writeAllButTail(start);
      return;
    }
    const bytes = Buffer.concat([tail, chunk]);
    if (reflects(bytes, patterns)) {
      stopped = true;
      options.onLeakWhileStreaming();
      upstream.destroy();
      res.destroy();
      return;
    }
    writeAllButTail(bytes);
  });

  upstream.on('end', () => {
    if (stopped) return;
    if (streaming) {
      res.end(tail);
      return;
    }
    const body = Buffer.concat(held);
    if (reflects(body, patterns)) {
      options.refuse('the upstream answered with a filled value in its body');
      return;
    }
    const complete = { ...headers };
    if (!options.bodiless) {
      // The body is complete: its length replaces any transfer coding.
      delete complete['transfer-encoding'];
      complete['content-length'] = String(body.length);
    }
    res.writeHead(options.statusCode, complete);
    res.end(body);
  });

  upstream.on('error', () => {
    if (!res.headersSent) {
      options.refuse('the upstream connection failed while answering');
    } else {
      res.destroy();
    }
  });
  upstream.on('aborted', () => res.destroy());
}
