"""The Azurite fixture serves the three services the storage backends use."""

from __future__ import annotations

import asyncio

from .conftest import Azurite


def test_azurite_serves_queues_blobs_and_tables(azurite: Azurite) -> None:
    from azure.data.tables.aio import TableServiceClient
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueServiceClient

    async def roundtrip() -> tuple[str, bytes, str]:
        text = azurite.connection_string
        async with QueueServiceClient.from_connection_string(text) as queues:
            queue = queues.get_queue_client("fixture")
            await queue.create_queue()
            await queue.send_message("hello")
            got = [m.content async for m in queue.receive_messages()]
        async with BlobServiceClient.from_connection_string(text) as blobs:
            container = blobs.get_container_client("fixture")
            await container.create_container()
            await container.upload_blob("a.txt", b"data")
            body = await (await container.download_blob("a.txt")).readall()
        async with TableServiceClient.from_connection_string(text) as tables:
            table = await tables.create_table("fixture")
            await table.create_entity({"PartitionKey": "p", "RowKey": "r", "v": "x"})
            entity = await table.get_entity("p", "r")
        return got[0], body, entity["v"]

    assert asyncio.run(roundtrip()) == ("hello", b"data", "x")
