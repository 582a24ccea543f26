"""Round trips per second of the Python qemu.qmp client (pip install qemu.qmp), for the
qmp-types round-trip benchmark. Usage: qemu_qmp_roundtrips.py SOCKET COUNT CONCURRENCY
Prints one number: round trips per second."""
import asyncio
import sys
import time

from qemu.qmp import QMPClient


async def main(socket: str, count: int, concurrency: int) -> None:
    client = QMPClient("bench")
    await client.connect(socket)
    per_worker = count // concurrency

    async def worker() -> None:
        for _ in range(per_worker):
            await client.execute("query-status")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await client.disconnect()
    print(per_worker * concurrency / elapsed)


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
