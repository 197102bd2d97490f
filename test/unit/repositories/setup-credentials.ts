// DynamoDB Local accepts only letters and digits in an access key id (the unit tests' `unit-test` is refused).
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
