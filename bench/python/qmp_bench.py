"""Round trips per second of the Python `qemu.qmp` client against a running QEMU.

Used by `client-bench` as the third column of its table. Usage:
    python3 qmp_bench.py SOCKET COMMANDS CONCURRENCY [CONCURRENCY ...]
Prints one JSON object: {"<concurrency>": round_trips_per_second, ...}.
"""

import asyncio
import json
import sys
import time

from qemu.qmp import QMPClient


async def run(socket_path: str, commands: int, concurrencies: list[int]) -> dict[str, float]:
    client = QMPClient("bench")
    await client.connect(socket_path)
    results = {}
    try:
        for concurrency in concurrencies:
            per_task = commands // concurrency

            async def worker() -> None:
                for _ in range(per_task):
                    await client.execute("query-status")

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - start
            results[str(concurrency)] = per_task * concurrency / elapsed
    finally:
        await client.disconnect()
    return results


def main() -> None:
    socket_path, commands = sys.argv[1], int(sys.argv[2])
    concurrencies = [int(c) for c in sys.argv[3:]]
    print(json.dumps(asyncio.run(run(socket_path, commands, concurrencies))))


if __name__ == "__main__":
    main()
