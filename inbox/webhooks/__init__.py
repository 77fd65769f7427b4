"""Webhooks from the networks: X Account Activity and Meta Page webhooks.

``views`` checks each delivery's signature against the raw body and stores it
(``services.webhook_delivery_store``) before answering; ``services`` then
processes pending deliveries in batches through the same ingest as polling.
"""
