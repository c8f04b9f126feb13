import type { Request, Response } from 'express';
import type { AuditorServiceEvent } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';

/**
 * What a route's work produced: the audit event's metadata, and how to
 * answer. The answer is sent only once the event is recorded.
 */
export type Outcome = { meta: JsonObject; send: () => void };

/** The path parameters as sent, bounded, for audit events of refused input. */
export function auditMeta(req: Request): JsonObject {
  const meta: JsonObject = {};
  for (const [key, value] of Object.entries(req.params)) {
    meta[key] = String(value ?? '').slice(0, 200);
  }
  return meta;
}

/** A JSON answer. */
export function json(res: Response, body: object, meta: JsonObject): Outcome {
  return { meta, send: () => res.json(body) };
}

/** A 204 answer. */
export function noContent(res: Response, meta: JsonObject): Outcome {
  return { meta, send: () => res.status(204).end() };
}

/** The summary of a value just written, audited with its new version. */
export function written(
  res: Response,
  summary: { name: string; version?: number },
): Outcome {
  return json(res, summary, {
    name: summary.name,
    version: summary.version ?? 0,
  });
}

/**
 * Runs a route's work and records its audit event: success with the
 * metadata the work returns (then the answer is sent), or failure with the
 * error and `failMeta`; the error goes on to Backstage's error handler.
 */
export async function audited(
  event: AuditorServiceEvent,
  failMeta: JsonObject | ((error: Error) => JsonObject),
  work: () => Promise<Outcome>,
  /** What the audit trail keeps of an error, when not all of it. */
  auditedError: (error: Error) => Error = error => error,
): Promise<void> {
  let outcome: Outcome;
  try {
    outcome = await work();
  } catch (error) {
    if (isError(error)) {
      await event.fail({
        error: auditedError(error),
        meta: typeof failMeta === 'function' ? failMeta(error) : failMeta,
      });
    }
    throw error;
  }
  await event.success({ meta: outcome.meta });
  outcome.send();
}
