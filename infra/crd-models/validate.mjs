// Validate custom resources against their published schemas (the CloudNativePG CRDs, as
// compiled by @kubernetes-models/cloudnative-pg, installed beside this file). Input on stdin: a JSON array of objects.
// Output on stdout: a JSON array, one entry per object: null (valid), a message (invalid), or
// "unknown" (no schema for its apiVersion and kind here).
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";

const MODELS = { "postgresql.cnpg.io/v1/Cluster": Cluster };
let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((obj) => {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return "unknown";
  try {
    new Model(obj).validate();
    return null;
  } catch (e) {
    return String(e.message);
  }
});
process.stdout.write(JSON.stringify(results));
