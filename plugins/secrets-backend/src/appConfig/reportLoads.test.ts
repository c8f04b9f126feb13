import { mockServices } from '@backstage/backend-test-utils';
import { AppConfigSecretsState } from './appConfigState';
import { reportAppConfigLoads } from './reportLoads';

describe('reportAppConfigLoads', () => {
  it('warns when secrets are declared for app-config but the root config is the stock one', () => {
    const logger = mockServices.logger.mock();
    const record = jest.fn();
    reportAppConfigLoads({
      state: new AppConfigSecretsState(),
      declared: ['GITHUB_TOKEN'],
      logger,
      record,
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /GITHUB_TOKEN are declared with appConfig: true, but the backend's root config is not secretsRootConfigServiceFactory\(\)/,
      ),
    );
    expect(record).not.toHaveBeenCalled();
  });

  it('records the loads made before the plugin started, then each later one, as used by app-config', () => {
    const state = new AppConfigSecretsState();
    state.reset(new Map([['A', ['x.token']]]));
    state.loaded(
      new Map([
        ['A', 1],
        ['NOT_REFERENCED', 4],
      ]),
      true,
    );
    const record = jest.fn();
    const unsubscribe = reportAppConfigLoads({
      state,
      declared: ['A'],
      logger: mockServices.logger.mock(),
      record,
    });
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenLastCalledWith(
      expect.objectContaining({ name: 'A', by: 'app-config' }),
    );
    state.loaded(new Map([['A', 2]]), false);
    expect(record).toHaveBeenCalledTimes(2);
    expect(state.summary('A')).toEqual({
      paths: ['x.token'],
      loadedVersion: 1,
    });
    unsubscribe();
    state.loaded(new Map([['A', 3]]), false);
    expect(record).toHaveBeenCalledTimes(2);
  });
});
