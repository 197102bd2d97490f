// Unit tests never reach AWS: SDK clients are mocked with aws-sdk-client-mock. These are the settings a
// deployed Lambda would get from its environment.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'unit-test';
process.env.AWS_SECRET_ACCESS_KEY = 'unit-test';
process.env.TABLE_NAME = 'stackpro-unit';
process.env.MESSAGING_TABLE_NAME = 'stackpro-unit-messaging';
process.env.MESSAGING_CONNECTIONS_URL = 'https://wsapi0000.execute-api.us-east-1.amazonaws.com/live';
process.env.PROVISIONING_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:ProvisionCustomer';
process.env.SIGNING_KEY_SECRET_ID = 'stackpro/jwt-signing-key';
process.env.JWT_PUBLIC_KEYS_SECRET_ID = 'stackpro/jwt-public-keys';
process.env.CUSTOMER_DOMAIN = 'customers.stackpro.test';
process.env.FRONTEND_ORIGIN = 'https://app.stackpro.test';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_DEV = 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.HOSTED_ZONE_ID = 'Z0HOSTEDZONE';
process.env.LAUNCH_TEMPLATE_ID = 'lt-0123456789abcdef0';
process.env.SUBNET_IDS = 'subnet-a,subnet-b';
process.env.DEPLOY_DOCUMENT_NAME = 'StackPro-DeployApplications';
process.env.INSTANCE_ARN_PREFIX = 'arn:aws:ec2:us-east-1:000000000000:instance/';
process.env.SENDER_ADDRESS = 'welcome@stackpro.test';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// No X-Ray daemon in tests; the tracer tests switch it on through a spy on isTracingEnabled.
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.STRIPE_SECRET_ID = 'stackpro/stripe';
process.env.STRIPE_PRICE_IDS = JSON.stringify({ starter: 'price_starter_test', business: 'price_business_test', enterprise: 'price_enterprise_test' });
process.env.SUSPEND_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:SuspendCustomer';
process.env.FLEET_UPDATE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:FleetUpdate';
process.env.RESUME_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:ResumeCustomer';
process.env.DEPROVISION_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:DeprovisionCustomer';
process.env.RESIZE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:ResizeCustomer';
