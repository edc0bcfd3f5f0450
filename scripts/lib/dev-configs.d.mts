export declare function developmentConfig(source: string, options?: { backend?: string; name?: string; vars?: Record<string, string> }): string;
export declare function writeDevelopmentConfigs(
  root: string,
  configs: readonly string[],
  options?: { backend?: string; tag?: string; vars?: Record<string, Record<string, string>> },
): string[];
