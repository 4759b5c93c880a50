import { riskHeatmap } from "../lib/compliance/figures.ts";
const rows = [{model_key:"m",risk:"LLM01",title:"Prompt injection",probes:1,failures:0,failure_rate:0,failure_rate_lo:0,failure_rate_hi:0,likelihood:1,likelihood_basis:"measured",impact:4,inherent:4,inherent_rating:"low",residual:4,residual_rating:"low",within_tolerance:true},{model_key:"m",risk:"LLM02",title:"Sensitive info",probes:0,failures:0,failure_rate:null,failure_rate_lo:null,failure_rate_hi:null,likelihood:3,likelihood_basis:"prior",impact:4,inherent:12,inherent_rating:"high",residual:12,residual_rating:"high",within_tolerance:true}];
const s = riskHeatmap(rows as never).outerHTML;
console.log(s.match(/<g[^>]*aria-label="cell"[^>]*>/g));
console.log([...s.matchAll(/<g[^>]*aria-label="cell"[^>]*>([\s\S]*?)<\/g>/g)].map((m) => m[1].slice(0, 200)));
