// Everything services get, plus the building blocks tests and sibling packages (testkit, tools) use;
// services import from "@ucserver/shared" only.
export * from './mod.ts';
export { env as envSchema } from './config/env.ts';
export { Subjects } from './bus/subjects.ts';
export { seal, open, generateSealingKeyText, isSealingKeyText } from './bus/sealedSecret.ts';
