import { z } from "zod";

/** A call's declaration: the input schema, plus its output type carried as a phantom. */
export type Endpoint<I extends z.ZodType, O> = { readonly input: I; readonly output?: O };

export type Contract = Record<string, Endpoint<z.ZodType, unknown>>;

/** A slice's handlers: one function per call, given already-validated input. */
export type Handlers<C extends Contract> = {
  [N in keyof C]: (input: z.output<C[N]["input"]>) => Promise<NonNullable<C[N]["output"]>> | NonNullable<C[N]["output"]>;
};

export function endpoint<O>() {
  return <I extends z.ZodType>(input: I): Endpoint<I, O> => ({ input });
}

export const id = z.number().int().positive();
export const nonEmpty = z.string().trim().min(1);

/**
 * A refusal in words: "field: what is wrong" for each bad field, joined. The API names fields by
 * their path in the input; the CLI names them by their flags, so both say the same about a value.
 */
export function describeIssues(error: z.ZodError, fieldName: (path: readonly PropertyKey[]) => string): string {
  return error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`).join("; ");
}
