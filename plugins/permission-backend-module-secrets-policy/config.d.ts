export interface Config {
  secrets?: {
    /** Used by @backstage-secrets/plugin-permission-backend-module-secrets-policy. */
    permission?: {
      /**
       * The users and groups that hold `manage-secrets`, as entity refs,
       * e.g. `group:default/platform-admins` or `user:default/alice`. A user
       * matches through their own entity ref or any of their ownership refs
       * (the groups they belong to). Empty or absent: nobody may manage
       * secrets.
       */
      managers?: string[];
    };
  };
}
