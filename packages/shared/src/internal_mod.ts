// Everything services get, plus the building blocks tests and sibling packages (testkit, tools) use;
// services import from "@ucserver/shared" only.
export * from './mod.ts';
export { env as envSchema } from './config/env.ts';
export { Subjects } from './bus/subjects.ts';
export { busAccess, busPermissions } from './bus/busAccess.ts';
export type { BusUse, BusPermissions } from './bus/busAccess.ts';
export { natsAuthorizationConfig } from './bus/natsAuthorization.ts';
export type { NatsAuthorizationOptions } from './bus/natsAuthorization.ts';
export { seal, open, generateSealingKeyText, isSealingKeyText } from './bus/sealedSecret.ts';
export { natsSecurityOptions } from './bus/busConnection.ts';
export { batchWritesPerLoopTurn, connectNats, quietAnsweredRequests } from './bus/natsConnect.ts';
export { provisionSecrets } from './deploy/provision.ts';
export type { NatsUser, SecretLayout, GivenSecrets, ProvisionOptions, ProvisionReport } from './deploy/provision.ts';
export { natsServerConfig } from './deploy/natsServerConfig.ts';
export type { NatsServerConfigOptions } from './deploy/natsServerConfig.ts';
export { ensureSecretFile, writeSecretFile, readSecretFile } from './deploy/secretFiles.ts';
