// One import point for row types (inferred from the tables) and the zod value sets.
export type * from "../../schema/types";
export * from "../../schema/shapes";
