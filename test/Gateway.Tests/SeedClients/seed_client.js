// The JavaScript client from the original design guide, unchanged but for where the
// URL, task id and token come from (window.seedClient, set by the test, instead of constants).

// 建立 WebSocket 连接
const token = window.seedClient.token;
const taskId = window.seedClient.taskId;
const ws = new WebSocket(`${window.seedClient.url}/ws/task/${taskId}?token=${token}`);

// 连接成功
ws.onopen = () => {
    console.log('WebSocket connected');
};

// 接收消息
ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    console.log('Received:', data);

    switch(data.type) {
        case 'connected':
            // 连接建立成功
            console.log(`Connected to task ${data.task_id}`);
            console.log(`Current status: ${data.current_status}`);
            console.log(`Current progress: ${data.current_progress}%`);
            break;

        case 'progress':
            // 进度更新
            updateProgressBar(data.progress);
            console.log(`Progress: ${data.current}/${data.total} (${data.progress}%)`);
            console.log(`Message: ${data.message}`);
            break;

        case 'complete':
            // 任务完成
            console.log('Task completed!');
            console.log('Result:', data.result);
            if (data.success) {
                showSuccess(data.message);
            }
            ws.close();
            break;

        case 'error':
            // 任务错误
            console.error('Task error:', data.error);
            showError(data.error);
            ws.close();
            break;

        case 'pong':
            // 心跳响应
            console.log('Heartbeat OK');
            break;
    }
};

// 连接关闭
ws.onclose = () => {
    console.log('WebSocket closed');
};

// 连接错误
ws.onerror = (error) => {
    console.error('WebSocket error:', error);
};

// 发送心跳(每30秒)
setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) {
        ws.send('ping');
    }
}, 30000);

// UI更新函数
function updateProgressBar(progress) {
    const progressBar = document.getElementById('progress-bar');
    progressBar.style.width = `${progress}%`;
    progressBar.textContent = `${progress}%`;
}

function showSuccess(message) {
    alert(`Success: ${message}`);
}

function showError(message) {
    alert(`Error: ${message}`);
}
