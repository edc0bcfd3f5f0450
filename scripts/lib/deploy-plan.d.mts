export type TomlValue = string | string[];
export interface WranglerConfig {
  top: Record<string, TomlValue>;
  tables: Record<string, Record<string, TomlValue> | undefined>;
  arrays: Record<string, Record<string, TomlValue>[] | undefined>;
}
export interface PlannedConfig {
  path: string;
  config: WranglerConfig;
}
export interface Resource {
  kind: "d1" | "kv" | "r2" | "queue" | "hyperdrive";
  name: string;
  command: string[];
  configs: string[];
  writes?: string;
  placeholder?: boolean;
}
export declare function readConfig(source: string): WranglerConfig;
export declare function isPlaceholderId(id: unknown): boolean;
export declare function resourcesToCreate(configs: readonly PlannedConfig[], options?: { backend?: string }): Resource[];
export declare function dependenciesOf(config: WranglerConfig): string[];
export declare function deployOrder(configs: readonly PlannedConfig[]): { order: string[]; cycles: string[][] };
export declare function secretNames(listJson: string): string[];
export declare function neededSecrets(config: WranglerConfig): { required: string[]; optional: string[] };
export declare function missingSecrets(config: WranglerConfig, listJson: string): { required: string[]; optional: string[] };
export declare function environmentFromDryRun(output: string): string | undefined;
