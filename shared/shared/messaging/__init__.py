"""Domain events between services over RabbitMQ: schemas, the transactional outbox, publishing, consuming."""
