import type { ApiRouter } from '@backstage/backend-openapi-utils';
import type { spec } from '../../schema';

/** The router typed from src/schema/openapi.yaml that routes attach to. */
export type SecretsApiRouter = ApiRouter<typeof spec>;
