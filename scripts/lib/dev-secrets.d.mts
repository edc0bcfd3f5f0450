export declare function newSigningKey(): Record<string, string>;
export declare const DEV_VARS_DIRS: Record<"auth" | "chat" | "calls" | "storage", string>;
export declare function devSecrets(): {
  auth: Record<string, string>;
  chat: Record<string, string>;
  calls: Record<string, string>;
  storage: Record<string, string>;
};
export declare function writeDevVars(root: string): { file: string; keys: string[] }[];
export declare function readDevVar(root: string, worker: "auth" | "chat" | "calls" | "storage", key: string): string | null;
