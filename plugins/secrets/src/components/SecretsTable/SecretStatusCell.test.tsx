import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { SecretStatusCell } from './SecretStatusCell';

describe('SecretStatusCell of an entity-scoped secret', () => {
  it('says "Per entity" with how many entities have their own value, and the default', async () => {
    renderInTestApp(
      <SecretStatusCell
        secret={{
          name: 'SENTRY_DSN',
          registered: true,
          format: 'text',
          source: 'database',
          scope: 'entity',
          entityKinds: ['Component'],
          entityValueCount: 2,
        }}
      />,
    );
    expect(await screen.findByText('Per entity')).toBeInTheDocument();
    expect(
      screen.getByText(/2 entities have its own value/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/The value set here is the default/),
    ).toBeInTheDocument();
  });

  it('says that entities without a value have none when there is no default', async () => {
    renderInTestApp(
      <SecretStatusCell
        secret={{
          name: 'SENTRY_DSN',
          registered: true,
          format: 'text',
          source: 'unset',
          scope: 'entity',
          entityKinds: ['Component'],
          entityValueCount: 0,
        }}
      />,
    );
    expect(
      await screen.findByText(/No entity has its own value yet/),
    ).toBeInTheDocument();
    expect(screen.getByText(/No default/)).toBeInTheDocument();
  });
});
