import type { Response } from 'express';
import {
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
  type ChangeWatermarkResponse,
  type SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import { accessOf } from '../../access';
import { normalizeEntityRef } from '../../entitySecrets';
import { SecretNotRegisteredError } from '../../values';
import type { SecretsBackend } from '../wireSecretsBackend';
import { audited, auditMeta } from './audited';
import { nameOf } from './input';
import type { SecretsApiRouter } from './types';

/** How a refused or failed read is recorded in its audit event. */
function readOutcomeOf(error: Error) {
  if (error.name === 'NotFoundError') return 'not-found';
  return error.name === 'NotAllowedError' ? 'refused' : 'failed';
}

/**
 * The plaintext, for backend plugins only (the secrets service): a shared
 * value for a plugin's own token, a user's value for a plugin acting on
 * that user's behalf. The access gate has checked that the caller is among
 * the secret's readers.
 */
export function addValueRoute(
  router: SecretsApiRouter,
  {
    reads,
    userSecrets,
    entitySecrets,
    watermark,
  }: Pick<
    SecretsBackend,
    'reads' | 'userSecrets' | 'entitySecrets' | 'watermark'
  >,
) {
  /** The change counter the secrets client polls (no name, no value). */
  router.get('/changes/watermark', async (_req, res) => {
    accessOf(res, 'plugin');
    res.setHeader('Cache-Control', 'no-store');
    const body: ChangeWatermarkResponse = {
      watermark: await watermark.read(),
    };
    res.json(body);
  });

  /** The shared value; a misspelled name must not read as "unset". */
  const readShared = (res: Response, name: string, caller: string) =>
    reads.readValue({ name, caller }).catch(error => {
      // The client rejects on this reason.
      if (error instanceof SecretNotRegisteredError) {
        res.setHeader(SECRET_REASON_HEADER, SECRET_NOT_REGISTERED_REASON);
      }
      throw error;
    });

  router.get('/secrets/:name/value', async (req, res) => {
    const { caller, onBehalfOf, event } = accessOf(res, 'read');
    const who = { caller, ...(onBehalfOf ? { onBehalfOf } : {}) };
    await audited(
      event,
      error => ({
        ...auditMeta(req),
        ...who,
        ...(typeof req.query.entityRef === 'string'
          ? { entityRef: req.query.entityRef.slice(0, 300) }
          : {}),
        outcome: readOutcomeOf(error),
      }),
      async () => {
        const name = nameOf(req);
        const entityQuery = req.query.entityRef;
        if (
          typeof entityQuery === 'string' &&
          entitySecrets.isEntityScoped(name)
        ) {
          // An entity's value (else the default), for the plugin's own token.
          const entityRef = normalizeEntityRef(entityQuery);
          const read = await entitySecrets.readValue({
            name,
            entityRef,
            caller,
          });
          const body: SecretValueResponse = { value: read.value };
          return {
            meta: {
              name,
              entityRef,
              caller,
              outcome: 'read',
              source: read.source,
            },
            send: () => sendWithoutFingerprint(res, body),
          };
        }
        const { value, source } = onBehalfOf
          ? {
              value: await userSecrets.readValue({
                name,
                userRef: onBehalfOf,
                caller,
              }),
              source: 'user',
            }
          : await readShared(res, name, caller);
        const body: SecretValueResponse = { value };
        return {
          meta: { name, ...who, outcome: 'read', source },
          send: () => sendWithoutFingerprint(res, body),
        };
      },
    );
  });
}

/**
 * Sends JSON without the ETag that express's `res.json` adds: a weak ETag
 * is a hash of the body, so it would put a fingerprint of the value into a
 * response header, which proxies and request logs keep.
 */
function sendWithoutFingerprint(res: Response, body: SecretValueResponse) {
  res.type('application/json');
  res.end(JSON.stringify(body));
}
