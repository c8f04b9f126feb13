import { Content, Header, Page } from '@backstage/core-components';
import { SecretsView } from './SecretsView';

/**
 * The whole "Manage secrets" page with its header, for the legacy frontend
 * system. (In the new system the app draws the header from the page
 * extension's title and icon, and only {@link SecretsContent} is rendered.)
 */
export function SecretsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Manage secrets"
        subtitle="The secrets your Backstage plugins use: set, replace or clear them. Values are write-only."
      />
      <Content>
        <SecretsView />
      </Content>
    </Page>
  );
}

/** The page body without a header, for the new frontend system. */
export function SecretsContent() {
  return (
    <Content>
      <SecretsView />
    </Content>
  );
}
