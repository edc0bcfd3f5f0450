export declare function newSigningKey(): Record<string, string>;
export declare function devSecrets(): {
  auth: Record<string, string>;
  chat: Record<string, string>;
  calls: Record<string, string>;
  storage: Record<string, string>;
};
