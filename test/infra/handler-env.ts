// Imported first by handler tests in this folder: the environment a deployed Lambda would have, set before
// any SDK client is built at module scope. Tests never reach AWS (aws-sdk-client-mock).
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'infra-test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'infra-test';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
