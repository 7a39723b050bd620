// Types of check-node.mjs (plain JavaScript so that an old Node can run it), for its test.
export declare function satisfies(version: string, range: string): boolean;
export declare function checkNodeVersion(version: string, range: string): string | undefined;
