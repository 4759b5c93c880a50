import { writeCampaign } from "../tests/report/_campaign.ts";
await writeCampaign(Deno.args[0]);
