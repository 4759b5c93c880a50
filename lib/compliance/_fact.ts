import { z } from "zod";
import { FACTS } from "./_catalogue.ts";

/** A fact the tool captured itself. */
export const FactSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(["pass", "fail", "unknown"]),
  value: z.unknown(),
  detail: z.string(),
});

/** A captured fact. */
export type Fact = z.output<typeof FactSchema>;

/** Build a fact with its catalogue title. */
export function fact(id: string, status: Fact["status"], value: unknown, detail: string): Fact {
  return { id, title: FACTS[id], status, value, detail };
}
