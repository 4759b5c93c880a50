import { riskHeatmap, riskRows, ratingsOf } from "../lib/compliance/mod.ts";
import { svgString } from "../lib/figures/mod.ts";
