# The Python client from the original design guide, unchanged but for where the
# URL, task id and token come from (the command line instead of constants).
import asyncio
import websockets
import json
import sys

async def subscribe_task_progress(task_id: str, token: str):
    """订阅任务进度"""
    uri = f"{sys.argv[1]}/ws/task/{task_id}?token={token}"

    async with websockets.connect(uri) as websocket:
        print(f"Connected to task {task_id}")

        # 接收消息
        async for message in websocket:
            data = json.loads(message)
            print(f"Received: {data}")

            msg_type = data.get('type')

            if msg_type == 'connected':
                print(f"Initial status: {data['current_status']}")
                print(f"Initial progress: {data['current_progress']}%")

            elif msg_type == 'progress':
                progress = data['progress']
                current = data.get('current')
                total = data.get('total')
                message = data.get('message', '')

                print(f"Progress: {progress}%")
                if current and total:
                    print(f"  {current}/{total}")
                if message:
                    print(f"  {message}")

            elif msg_type == 'complete':
                print("Task completed!")
                print(f"Success: {data['success']}")
                print(f"Message: {data['message']}")
                if 'result' in data:
                    print(f"Result: {data['result']}")
                break

            elif msg_type == 'error':
                print(f"Task error: {data['error']}")
                break

# 使用示例
token = sys.argv[3]
task_id = sys.argv[2]

asyncio.run(subscribe_task_progress(task_id, token))
