export declare function developmentConfig(source: string, options?: { backend?: string; name?: string }): string;
export declare function writeDevelopmentConfigs(root: string, configs: readonly string[], options?: { backend?: string; tag?: string }): string[];
