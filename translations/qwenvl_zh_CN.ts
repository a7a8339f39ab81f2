<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CameraSource</name>
    <message>
        <source>Camera picture %1.png</source>
        <translation>相机照片 %1.png</translation>
    </message>
    <message>
        <source>The camera is not ready yet.</source>
        <translation>相机尚未就绪。</translation>
    </message>
    <message>
        <source>No camera was found.</source>
        <translation>没有找到相机。</translation>
    </message>
    <message>
        <source>This build has no camera support (Qt Multimedia).</source>
        <translation>此版本不支持相机（Qt Multimedia）。</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <source>QwenVL Studio: chat with Qwen-VL-Chat-Int4 about your pictures, on your own computer.</source>
        <translation>QwenVL Studio：在你自己的电脑上，与 Qwen-VL-Chat-Int4 聊聊你的图片。</translation>
    </message>
    <message>
        <source>Load the Qwen-VL-Chat-Int4 model from &lt;folder&gt;.</source>
        <translation>从 &lt;文件夹&gt; 加载 Qwen-VL-Chat-Int4 模型。</translation>
    </message>
    <message>
        <source>folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Run the model on &lt;backend&gt;: cuda or cpu.</source>
        <translation>在 &lt;后端&gt; 上运行模型：cuda 或 cpu。</translation>
    </message>
    <message>
        <source>backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>Interface language: en or zh_CN.</source>
        <translation>界面语言：en 或 zh_CN。</translation>
    </message>
    <message>
        <source>language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Start with an empty conversation instead of the last one.</source>
        <translation>以空白对话启动，而不是打开上次的对话。</translation>
    </message>
    <message>
        <source>Replay the scripted conversation in &lt;file&gt; instead of running a model.</source>
        <translation>回放 &lt;文件&gt; 中编排好的对话，而不运行模型。</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>png</source>
        <translation>png</translation>
    </message>
    <message>
        <source>pictures</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Pictures to add to the conversation.</source>
        <translation>要加入对话的图片。</translation>
    </message>
    <message>
        <source>[pictures…]</source>
        <translation>[图片…]</translation>
    </message>
    <message>
        <source>Unknown backend “%1”: use cuda or cpu.</source>
        <translation>未知的后端“%1”：请使用 cuda 或 cpu。</translation>
    </message>
    <message>
        <source>Unknown language “%1”: use %2.</source>
        <translation>未知的语言“%1”：请使用 %2。</translation>
    </message>
    <message>
        <source>Save the window to &lt;png&gt; and quit: with --demo-script when the reply is done, else once the window has settled.</source>
        <translation>把窗口保存为 &lt;png&gt; 后退出：与 --demo-script 一起使用时在回答完成后保存，否则在窗口稳定后保存。</translation>
    </message>
    <message>
        <source>--screenshot needs a file name ending in .png.</source>
        <translation>--screenshot 需要以 .png 结尾的文件名。</translation>
    </message>
    <message>
        <source>Run as an unattended demo kiosk: full screen, locked down, every visit forgotten.</source>
        <translation>作为无人值守的演示展台运行：全屏、锁定，每位访客的内容都不保留。</translation>
    </message>
    <message>
        <source>Read the kiosk configuration from &lt;file&gt; (default: %1).</source>
        <translation>从 &lt;文件&gt; 读取展台配置（默认：%1）。</translation>
    </message>
    <message>
        <source>Read an admin PIN (4 to 12 digits) from standard input and print its hash for the kiosk configuration.</source>
        <translation>从标准输入读取管理员 PIN（4 到 12 位数字），并输出用于展台配置的哈希值。</translation>
    </message>
    <message>
        <source>--kiosk-config needs --kiosk.</source>
        <translation>--kiosk-config 需要与 --kiosk 一起使用。</translation>
    </message>
    <message>
        <source>--kiosk takes no pictures: they come from the configured folder or the camera.</source>
        <translation>--kiosk 不接受图片参数：图片来自配置的文件夹或相机。</translation>
    </message>
</context>
<context>
    <name>ConversationLibrary</name>
    <message>
        <source>“%1” is not in the conversations library.</source>
        <translation>“%1”不在对话库中。</translation>
    </message>
    <message>
        <source>“%1” could not be deleted.</source>
        <translation>无法删除“%1”。</translation>
    </message>
</context>
<context>
    <name>ConversationStore</name>
    <message>
        <source>Cannot create the folder “%1” for the conversation’s pictures.</source>
        <translation>无法为对话中的图片创建文件夹“%1”。</translation>
    </message>
    <message>
        <source>Cannot save the picture “%1”: %2</source>
        <translation>无法保存图片“%1”：%2</translation>
    </message>
    <message>
        <source>Cannot save the conversation to “%1”: %2</source>
        <translation>无法把对话保存到“%1”：%2</translation>
    </message>
    <message>
        <source>“%1” cannot be opened: %2</source>
        <translation>无法打开“%1”：%2</translation>
    </message>
    <message>
        <source>it is not valid JSON (%1 at byte %2).</source>
        <translation>它不是有效的 JSON（第 %2 字节处：%1）。</translation>
    </message>
    <message>
        <source>it is not a QwenVL Studio conversation.</source>
        <translation>它不是 QwenVL Studio 的对话文件。</translation>
    </message>
    <message>
        <source>it has format version %1; this version of QwenVL Studio reads version %2.</source>
        <translation>它的格式版本是 %1；此版本的 QwenVL Studio 只能读取版本 %2。</translation>
    </message>
    <message>
        <source>a picture entry is incomplete.</source>
        <translation>其中一个图片条目不完整。</translation>
    </message>
    <message>
        <source>a message has no valid id.</source>
        <translation>其中一条消息没有有效的编号。</translation>
    </message>
    <message>
        <source>a message refers to a picture that is not listed.</source>
        <translation>其中一条消息引用了未列出的图片。</translation>
    </message>
    <message>
        <source>a reply refers to a picture that is not listed.</source>
        <translation>其中一条回答引用了未列出的图片。</translation>
    </message>
    <message>
        <source>a reply has an unknown state.</source>
        <translation>其中一条回答的状态未知。</translation>
    </message>
    <message>
        <source>a message has the unknown role “%1”.</source>
        <translation>其中一条消息的角色“%1”未知。</translation>
    </message>
    <message>
        <source>the picture file “%1” is not in the conversation’s own folder “%2”; pictures are read only from there.</source>
        <translation>图片文件“%1”不在该对话自己的文件夹“%2”中；图片只从那里读取。</translation>
    </message>
    <message>
        <source>the picture file “%1” does not exist.</source>
        <translation>图片文件“%1”不存在。</translation>
    </message>
    <message>
        <source>the picture file “%1” is a link that leads out of the folder “%2”; such links are not followed.</source>
        <translation>图片文件“%1”是一个指向文件夹“%2”之外的链接；这样的链接不会被跟随。</translation>
    </message>
    <message>
        <source>two pictures name the same file “%1”.</source>
        <translation>两张图片指向同一个文件“%1”。</translation>
    </message>
    <message>
        <source>the picture file “%1” cannot be read: %2</source>
        <translation>无法读取图片文件“%1”：%2</translation>
    </message>
    <message>
        <source>an earlier version of a reply has an unknown state.</source>
        <translation>某条回复的较早版本状态未知。</translation>
    </message>
    <message>
        <source>a reply names a version it does not have.</source>
        <translation>某条回复指向了它没有的版本。</translation>
    </message>
    <message>
        <source>its pictures together are larger than QwenVL Studio opens in one conversation (%1 of files or %2 pixels); open fewer or smaller pictures.</source>
        <translation>它的图片合计超出了 QwenVL Studio 在一个对话中能打开的上限（%1 的文件或 %2 像素）；请打开更少或更小的图片。</translation>
    </message>
    <message>
        <source>its branches are nested too deeply.</source>
        <translation>它的分支嵌套层数过多。</translation>
    </message>
    <message>
        <source>a branch does not start with a question.</source>
        <translation>其中一个分支不是以问题开头的。</translation>
    </message>
    <message>
        <source>a question names a branch it does not have.</source>
        <translation>某个问题指向了它没有的分支。</translation>
    </message>
</context>
<context>
    <name>DemoScriptReader</name>
    <message>
        <source>Cannot read the demo script “%1”: %2</source>
        <translation>无法读取演示脚本“%1”：%2</translation>
    </message>
    <message>
        <source>The demo script “%1” is not a JSON object (%2).</source>
        <translation>演示脚本“%1”不是 JSON 对象（%2）。</translation>
    </message>
    <message>
        <source>The demo script “%1” needs a &quot;question&quot; and a &quot;reply&quot;.</source>
        <translation>演示脚本“%1”需要 &quot;question&quot; 和 &quot;reply&quot; 两项。</translation>
    </message>
    <message>
        <source>(an earlier reply)</source>
        <translation>（之前的回答）</translation>
    </message>
</context>
<context>
    <name>EngineText</name>
    <message>
        <source>the folder “%1” does not exist.</source>
        <translation>文件夹“%1”不存在。</translation>
    </message>
    <message>
        <source>“%2” is missing from “%1”: is this the Qwen-VL-Chat-Int4 folder, and is the download complete?</source>
        <translation>“%1”中缺少“%2”：这是 Qwen-VL-Chat-Int4 的文件夹吗？下载是否完整？</translation>
    </message>
    <message>
        <source>this build of QwenVL Studio has no %1 backend; choose the CPU backend.</source>
        <translation>此版本的 QwenVL Studio 没有 %1 后端；请选择 CPU 后端。</translation>
    </message>
    <message>
        <source>the GPU backend is not installed (package qwenvl-studio-cuda).</source>
        <translation>未安装 GPU 后端（软件包 qwenvl-studio-cuda）。</translation>
    </message>
    <message>
        <source>NVIDIA’s CUDA 13 libraries were not found (%1).</source>
        <translation>找不到 NVIDIA 的 CUDA 13 运行库（%1）。</translation>
    </message>
    <message>
        <source>no NVIDIA driver was found; install it to use the GPU.</source>
        <translation>找不到 NVIDIA 驱动程序；要使用 GPU，请先安装它。</translation>
    </message>
    <message>
        <source>the NVIDIA driver supports CUDA %1, but the GPU backend needs CUDA %2; update the driver.</source>
        <translation>NVIDIA 驱动程序支持 CUDA %1，但 GPU 后端需要 CUDA %2；请更新驱动程序。</translation>
    </message>
    <message>
        <source>the NVIDIA driver sees no GPU.</source>
        <translation>NVIDIA 驱动程序没有找到任何 GPU。</translation>
    </message>
    <message>
        <source>the GPU %1 has compute capability %2; the GPU backend needs 8.0 (Ampere) or newer.</source>
        <translation>GPU %1 的计算能力为 %2；GPU 后端需要 8.0（Ampere）或更新的 GPU。</translation>
    </message>
    <message numerus="yes">
        <source>CPU, %n thread(s)</source>
        <translation>
            <numerusform>CPU，%n 个线程</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (CUDA, compute capability %2%3)</source>
        <translation>%1（CUDA，计算能力 %2%3）</translation>
    </message>
    <message>
        <source>scripted replies</source>
        <translation>脚本回答</translation>
    </message>
    <message>
        <source>%1, low-memory mode</source>
        <translation>%1，低显存模式</translation>
    </message>
</context>
<context>
    <name>FileIo</name>
    <message>
        <source>cannot open the folder “%1” to sync it: %2</source>
        <translation>无法打开文件夹“%1”以同步到磁盘：%2</translation>
    </message>
    <message>
        <source>the file was written, but the folder “%1” could not be synced to disk: %2</source>
        <translation>文件已写入，但文件夹“%1”无法同步到磁盘：%2</translation>
    </message>
    <message>
        <source>it is a folder, not a file.</source>
        <translation>它是一个文件夹，不是文件。</translation>
    </message>
    <message>
        <source>it is a pipe, a device or a socket, not a regular file.</source>
        <translation>它是管道、设备或套接字，不是普通文件。</translation>
    </message>
    <message>
        <source>it does not exist.</source>
        <translation>它不存在。</translation>
    </message>
    <message>
        <source>it cannot be read: %1.</source>
        <translation>无法读取：%1。</translation>
    </message>
    <message>
        <source>it is larger than %1, the limit for this kind of file.</source>
        <translation>它大于 %1，超过了此类文件的上限。</translation>
    </message>
</context>
<context>
    <name>HelpDialogs</name>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Send the question</source>
        <translation>发送问题</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Enter</translation>
    </message>
    <message>
        <source>New line in the question</source>
        <translation>在问题中换行</translation>
    </message>
    <message>
        <source>Shift+Enter</source>
        <translation>Shift+Enter</translation>
    </message>
    <message>
        <source>Ask about a region by dragging</source>
        <translation>拖动以询问某个区域</translation>
    </message>
    <message>
        <source>Shift+drag on the picture</source>
        <translation>在图片上按住 Shift 拖动</translation>
    </message>
    <message>
        <source>Zoom and pan the picture</source>
        <translation>缩放和平移图片</translation>
    </message>
    <message>
        <source>+ − 0 1 and the arrow keys, in the picture</source>
        <translation>在图片中使用 + − 0 1 和方向键</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>How to Get the Model</source>
        <translation>如何获取模型</translation>
    </message>
    <message>
        <source>QwenVL Studio runs Qwen-VL-Chat-Int4 on this computer and never downloads it by itself. In a terminal, run:

%1

Then choose Model › Open Model Folder… and pick the new Qwen-VL-Chat-Int4 folder, or start the app with --model FOLDER.</source>
        <translation>QwenVL Studio 在这台电脑上运行 Qwen-VL-Chat-Int4，但从不自行下载它。请在终端中运行：

%1

然后选择“模型 › 打开模型文件夹…”，选中新的 Qwen-VL-Chat-Int4 文件夹；或者用 --model 文件夹 启动本程序。</translation>
    </message>
    <message>
        <source>About QwenVL Studio</source>
        <translation>关于 QwenVL Studio</translation>
    </message>
    <message>
        <source>&lt;h3&gt;QwenVL Studio %1&lt;/h3&gt;&lt;p&gt;Chat with Qwen-VL-Chat-Int4 about your pictures, on your own computer. The boxes the model draws appear on the picture as the answer arrives.&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;QwenVL Studio %1&lt;/h3&gt;&lt;p&gt;在你自己的电脑上，与 Qwen-VL-Chat-Int4 聊聊你的图片。模型画出的框会随着回答的到来出现在图片上。&lt;/p&gt;&lt;p&gt;基于 Qt %2 构建。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>KioskConfigReader</name>
    <message>
        <source>“%1” %2</source>
        <translation>“%1”%2</translation>
    </message>
    <message>
        <source>must be an object.</source>
        <translation>必须是一个对象。</translation>
    </message>
    <message>
        <source>must be a whole number from %1 to %2.</source>
        <translation>必须是 %1 到 %2 之间的整数。</translation>
    </message>
    <message>
        <source>must be true or false.</source>
        <translation>必须是 true 或 false。</translation>
    </message>
    <message>
        <source>must be a string.</source>
        <translation>必须是字符串。</translation>
    </message>
    <message>
        <source>names the folder “%1”, which does not exist.</source>
        <translation>指定的文件夹“%1”不存在。</translation>
    </message>
    <message>
        <source>names the file “%1”, which does not exist.</source>
        <translation>指定的文件“%1”不存在。</translation>
    </message>
    <message>
        <source>is not a language of the app (%1).</source>
        <translation>不是本应用支持的语言（%1）。</translation>
    </message>
    <message>
        <source>must be a string, or an object with one string per language.</source>
        <translation>必须是字符串，或每种语言一个字符串的对象。</translation>
    </message>
    <message>
        <source>The kiosk configuration “%1” does not exist.</source>
        <translation>展台配置“%1”不存在。</translation>
    </message>
    <message>
        <source>The kiosk configuration “%1” is larger than 1 MiB.</source>
        <translation>展台配置“%1”大于 1 MiB。</translation>
    </message>
    <message>
        <source>The kiosk configuration “%1” could not be read: %2</source>
        <translation>无法读取展台配置“%1”：%2</translation>
    </message>
    <message>
        <source>the kiosk configuration</source>
        <translation>展台配置</translation>
    </message>
    <message>
        <source>%1 is not valid JSON (at byte %2: %3).</source>
        <translation>%1 不是有效的 JSON（第 %2 字节：%3）。</translation>
    </message>
    <message>
        <source>%1 must hold one JSON object.</source>
        <translation>%1 必须包含一个 JSON 对象。</translation>
    </message>
    <message>
        <source>is required.</source>
        <translation>是必填项。</translation>
    </message>
    <message>
        <source>is required (or model.server).</source>
        <translation>是必填项（或者填写 model.server）。</translation>
    </message>
    <message>
        <source>must be an http:// or https:// address with a host.</source>
        <translation>必须是带主机名的 http:// 或 https:// 地址。</translation>
    </message>
    <message>
        <source>must be “auto”, “cuda” or “cpu”.</source>
        <translation>必须是“auto”、“cuda”或“cpu”。</translation>
    </message>
    <message>
        <source>must list each of %1 at most once.</source>
        <translation>只能列出 %1 中的语言，且每种最多一次。</translation>
    </message>
    <message>
        <source>must be a list of one or more language codes.</source>
        <translation>必须是包含一个或多个语言代码的列表。</translation>
    </message>
    <message>
        <source>must be a list.</source>
        <translation>必须是列表。</translation>
    </message>
    <message>
        <source>offers no picture: enable the camera or name a picture folder.</source>
        <translation>没有提供任何图片来源：请启用相机或指定图片文件夹。</translation>
    </message>
    <message>
        <source>are needed when typing is off.</source>
        <translation>在关闭输入时是必需的。</translation>
    </message>
    <message>
        <source>must be a colour such as “#1f77b4”.</source>
        <translation>必须是颜色，例如“#1f77b4”。</translation>
    </message>
    <message>
        <source>must be a PIN hash made with “qwenvl-studio --kiosk-hash-pin” (the kiosk cannot be left without it).</source>
        <translation>必须是用“qwenvl-studio --kiosk-hash-pin”生成的 PIN 哈希（没有它就无法退出展台）。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>MarkdownExport</name>
    <message>
        <source>The pictures of the conversation are not all decoded yet.</source>
        <translation>对话中的图片尚未全部解码。</translation>
    </message>
    <message>
        <source>Cannot create the folder “%1”.</source>
        <translation>无法创建文件夹“%1”。</translation>
    </message>
    <message>
        <source>Cannot write “%1”: %2</source>
        <translation>无法写入“%1”：%2</translation>
    </message>
    <message>
        <source>Conversation with Qwen-VL</source>
        <translation>与 Qwen-VL 的对话</translation>
    </message>
    <message>
        <source>Exported from QwenVL Studio on %1</source>
        <translation>于 %1 从 QwenVL Studio 导出</translation>
    </message>
    <message>
        <source>System prompt:</source>
        <translation>系统提示词：</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Qwen-VL</source>
        <translation>Qwen-VL</translation>
    </message>
    <message>
        <source>Boxes on %1</source>
        <translation>%1 上的框</translation>
    </message>
    <message>
        <source>box %1 px</source>
        <translation>框 %1 像素</translation>
    </message>
</context>
<context>
    <name>MarkdownStyle</name>
    <message>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
</context>
<context>
    <name>PictureFormats</name>
    <message>
        <source>Pictures (*.jpg *.jpeg *.png *.gif *.bmp *.webp *.tif *.tiff)</source>
        <translation>图片 (*.jpg *.jpeg *.png *.gif *.bmp *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Shown as the model sees it: the file asks to be turned or mirrored (EXIF orientation %1), but the model gets the picture as stored.</source>
        <translation>按模型看到的样子显示：文件要求旋转或镜像（EXIF 方向 %1），但模型得到的是按原样存储的图片。</translation>
    </message>
    <message>
        <source>Only the first frame of this animation is used, as the model sees it.</source>
        <translation>只使用这段动画的第一帧，与模型看到的一致。</translation>
    </message>
</context>
<context>
    <name>RemoteChatBackend</name>
    <message>
        <source>The server refused the API key: %1</source>
        <translation>服务器拒绝了 API 密钥：%1</translation>
    </message>
    <message>
        <source>The server refused the request (HTTP %1): %2</source>
        <translation>服务器拒绝了请求（HTTP %1）：%2</translation>
    </message>
    <message>
        <source>Could not connect to the server at %1: the connection was refused. Is the server running?</source>
        <translation>无法连接到 %1 的服务器：连接被拒绝。服务器是否正在运行？</translation>
    </message>
    <message>
        <source>The server name in %1 was not found.</source>
        <translation>找不到 %1 中的服务器名称。</translation>
    </message>
    <message>
        <source>The server at %1 did not answer in time.</source>
        <translation>%1 的服务器未能及时回答。</translation>
    </message>
    <message>
        <source>The server at %1 sent nothing for %2 s.</source>
        <translation>%1 的服务器已有 %2 秒没有发送任何内容。</translation>
    </message>
    <message>
        <source>The server at %1 could not be reached: %2</source>
        <translation>无法访问 %1 的服务器：%2</translation>
    </message>
    <message>
        <source>The picture “%1” could not be encoded for the server.</source>
        <translation>无法为服务器编码图片“%1”。</translation>
    </message>
    <message>
        <source>The question names a picture “%1” that is not part of this conversation.</source>
        <translation>问题提到的图片“%1”不属于本对话。</translation>
    </message>
    <message>
        <source>No server address is set.</source>
        <translation>尚未设置服务器地址。</translation>
    </message>
    <message>
        <source>“%1” is not a server address (http://host:port).</source>
        <translation>“%1”不是服务器地址（http://主机:端口）。</translation>
    </message>
    <message>
        <source>asking the server</source>
        <translation>正在询问服务器</translation>
    </message>
    <message>
        <source>The server at %1 lists no models; is it an OpenAI-compatible server?</source>
        <translation>%1 的服务器没有列出任何模型；它是兼容 OpenAI 的服务器吗？</translation>
    </message>
    <message>
        <source>The server at %1 does not serve “%2”; it serves: %3</source>
        <translation>%1 的服务器不提供“%2”；它提供：%3</translation>
    </message>
    <message>
        <source>Server %1 (%2)</source>
        <translation>服务器 %1（%2）</translation>
    </message>
    <message>
        <source>Not connected to a server.</source>
        <translation>未连接到服务器。</translation>
    </message>
    <message>
        <source>The server could not answer: %1</source>
        <translation>服务器无法回答：%1</translation>
    </message>
    <message>
        <source>The server at %1 ended the answer early.</source>
        <translation>%1 的服务器提前结束了回答。</translation>
    </message>
    <message>
        <source>The server at %1 removed the box markup from the answer, so no boxes can be shown. With vLLM, serve Qwen-VL-Chat with a ChatML chat template; this app asks for &quot;skip_special_tokens&quot;: false.</source>
        <translation>%1 的服务器从回答中删除了框标记，因此无法显示任何框。使用 vLLM 时，请用 ChatML 聊天模板提供 Qwen-VL-Chat；本应用会请求 &quot;skip_special_tokens&quot;: false。</translation>
    </message>
</context>
<context>
    <name>ReplyFormat</name>
    <message numerus="yes">
        <source>Prompt: %n token(s), %1 s</source>
        <translation>
            <numerusform>提示：%n 个词元，%1 秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Reply: %n token(s), %1 tokens/s</source>
        <translation>
            <numerusform>回答：%n 个词元，每秒 %1 个</numerusform>
        </translation>
    </message>
    <message>
        <source>Writing…</source>
        <translation>正在书写…</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Stopped: the conversation is too long for the model</source>
        <translation>已停止：对话太长，超出了模型的上下文</translation>
    </message>
    <message>
        <source>Stopped at the length limit (Settings › Generation)</source>
        <translation>已达到长度上限而停止（设置 › 生成）</translation>
    </message>
</context>
<context>
    <name>qwenvl::app::ChatController</name>
    <message>
        <source>The model cannot use the picture “%1”: %2</source>
        <translation>模型无法使用图片“%1”：%2</translation>
    </message>
    <message>
        <source>The model folder “%1” does not exist.</source>
        <translation>模型文件夹“%1”不存在。</translation>
    </message>
    <message>
        <source>The model is still loading.</source>
        <translation>模型仍在加载中。</translation>
    </message>
    <message>
        <source>Load a model first (Model › Open Model Folder…).</source>
        <translation>请先加载模型（模型 › 打开模型文件夹…）。</translation>
    </message>
    <message>
        <source>Wait for the reply to finish, or stop it.</source>
        <translation>请等待回答完成，或者停止它。</translation>
    </message>
    <message>
        <source>Pictures are still being opened.</source>
        <translation>图片仍在打开中。</translation>
    </message>
    <message>
        <source>Write a question or add a picture first.</source>
        <translation>请先写下问题或添加图片。</translation>
    </message>
    <message>
        <source>There is no reply to regenerate.</source>
        <translation>没有可以重新生成的回答。</translation>
    </message>
    <message>
        <source>The model could not answer: %1</source>
        <translation>模型无法回答：%1</translation>
    </message>
    <message>
        <source>There is no such version of the reply.</source>
        <translation>这条回复没有这个版本。</translation>
    </message>
    <message>
        <source>Already in this conversation, added once more: %1</source>
        <translation>已在此对话中，又添加了一次：%1</translation>
    </message>
    <message>
        <source>There is no such question.</source>
        <translation>没有这个问题。</translation>
    </message>
    <message>
        <source>There is no such branch of the conversation.</source>
        <translation>对话没有这个分支。</translation>
    </message>
</context>
<context>
    <name>qwenvl::app::FileJobs</name>
    <message>
        <source>“%1”: choose a file name ending in .png or .jpg.</source>
        <translation>“%1”：请选择以 .png 或 .jpg 结尾的文件名。</translation>
    </message>
    <message>
        <source>There is no picture to save.</source>
        <translation>没有可保存的图片。</translation>
    </message>
    <message>
        <source>Cannot write “%1”: %2</source>
        <translation>无法写入“%1”：%2</translation>
    </message>
</context>
<context>
    <name>qwenvl::app::InferenceWorker</name>
    <message>
        <source>This build of QwenVL Studio has no inference engine.</source>
        <translation>此版本的 QwenVL Studio 未包含推理引擎。</translation>
    </message>
    <message>
        <source>The picture has no pixel data.</source>
        <translation>这张图片没有像素数据。</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <source>A picture of this question could not be given to the model.</source>
        <translation>这个问题中的一张图片无法交给模型。</translation>
    </message>
    <message>
        <source>there is not enough memory.</source>
        <translation>内存不足。</translation>
    </message>
    <message>
        <source>an internal error occurred (%1).</source>
        <translation>发生了内部错误（%1）。</translation>
    </message>
    <message>
        <source>an unknown internal error occurred.</source>
        <translation>发生了未知的内部错误。</translation>
    </message>
    <message>
        <source>The model in “%1” could not be loaded: %2 Check the folder, or choose another one.</source>
        <translation>无法加载“%1”中的模型：%2 请检查该文件夹，或选择其他文件夹。</translation>
    </message>
    <message>
        <source>The model could not answer: %1</source>
        <translation>模型无法回答：%1</translation>
    </message>
    <message>
        <source>The model’s session could not be set up: %1 The model was unloaded; load it again to go on.</source>
        <translation>无法建立模型的会话：%1 模型已被卸载；请重新加载后继续。</translation>
    </message>
    <message>
        <source>The picture could not be given to the model: %1</source>
        <translation>无法把图片交给模型：%1</translation>
    </message>
    <message>
        <source>Loading failed: %1</source>
        <translation>加载失败：%1</translation>
    </message>
</context>
<context>
    <name>qwenvl::app::PictureImporter</name>
    <message>
        <source>pasted picture</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <source>“%1” is empty.</source>
        <translation>“%1”是空的。</translation>
    </message>
    <message>
        <source>“%1” cannot be used as a picture: %2</source>
        <translation>“%1”无法作为图片使用：%2</translation>
    </message>
    <message>
        <source>“%1”: %2</source>
        <translation>“%1”：%2</translation>
    </message>
</context>
<context>
    <name>qwenvl::app::SingleInstance</name>
    <message>
        <source>Cannot listen on “%1”: %2. Files opened later start another window.</source>
        <translation>无法在“%1”上监听：%2。之后打开的文件会启动另一个窗口。</translation>
    </message>
    <message>
        <source>Cannot create the lock file “%1.lock”; check that its folder is writable.</source>
        <translation>无法创建锁文件“%1.lock”；请检查其所在文件夹是否可写。</translation>
    </message>
    <message>
        <source>Another QwenVL Studio holds “%1.lock” but does not answer.</source>
        <translation>另一个 QwenVL Studio 持有“%1.lock”，但没有响应。</translation>
    </message>
</context>
<context>
    <name>qwenvl::app::StudioApp</name>
    <message>
        <source>There is no picture to save yet.</source>
        <translation>还没有可保存的图片。</translation>
    </message>
    <message>
        <source>The last conversation could not be restored and was kept aside as “%1”. %2</source>
        <translation>无法恢复上次的对话，已将其另存为“%1”。%2</translation>
    </message>
    <message>
        <source>The last conversation could not be restored, and “%1” could not be renamed; it will be overwritten by the next autosave. %2</source>
        <translation>无法恢复上次的对话，且无法重命名“%1”；下次自动保存时它将被覆盖。%2</translation>
    </message>
    <message>
        <source>picture</source>
        <translation>图片</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::Actions</name>
    <message>
        <source>&amp;New Conversation</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open Conversation…</source>
        <translation>打开对话(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save Conversation</source>
        <translation>保存对话(&amp;S)</translation>
    </message>
    <message>
        <source>Save Conversation &amp;As…</source>
        <translation>对话另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Export to Markdown…</source>
        <translation>导出为 Markdown(&amp;E)…</translation>
    </message>
    <message>
        <source>Add &amp;Pictures…</source>
        <translation>添加图片(&amp;P)…</translation>
    </message>
    <message>
        <source>Save Picture with &amp;Boxes…</source>
        <translation>保存带框的图片(&amp;B)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Paste Picture</source>
        <translation>粘贴图片(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Copy Last Reply</source>
        <translation>复制最后的回答(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>Send the question (Enter; Shift+Enter starts a new line)</source>
        <translation>发送问题（Enter；Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>Stop the reply (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <source>&amp;Regenerate Last Reply</source>
        <translation>重新生成最后的回答(&amp;R)</translation>
    </message>
    <message>
        <source>Go to the &amp;Question Box</source>
        <translation>转到提问框(&amp;Q)</translation>
    </message>
    <message>
        <source>Drag a rectangle on the picture to ask about that region (or Shift+drag at any time)</source>
        <translation>在图片上拖出一个矩形，询问该区域（任何时候也可按住 Shift 拖动）</translation>
    </message>
    <message>
        <source>Ask About a Region by &amp;Coordinates…</source>
        <translation>按坐标询问区域(&amp;C)…</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Actual Size</source>
        <translation>实际大小(&amp;A)</translation>
    </message>
    <message>
        <source>Show &amp;Boxes</source>
        <translation>显示框(&amp;B)</translation>
    </message>
    <message>
        <source>Show or hide the boxes the model drew (Ctrl+B)</source>
        <translation>显示或隐藏模型画出的框（Ctrl+B）</translation>
    </message>
    <message>
        <source>&amp;Previous Picture</source>
        <translation>上一张图片(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Next Picture</source>
        <translation>下一张图片(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open Model Folder…</source>
        <translation>打开模型文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>Run on the &amp;GPU (CUDA)</source>
        <translation>在 GPU 上运行（CUDA）(&amp;G)</translation>
    </message>
    <message>
        <source>Run on the &amp;CPU</source>
        <translation>在 CPU 上运行(&amp;C)</translation>
    </message>
    <message>
        <source>How to &amp;Get the Model</source>
        <translation>如何获取模型(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About QwenVL Studio</source>
        <translation>关于 QwenVL Studio(&amp;A)</translation>
    </message>
    <message>
        <source>Go to the Pic&amp;ture</source>
        <translation>转到图片(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Conversations Sidebar</source>
        <translation>对话侧栏(&amp;C)</translation>
    </message>
    <message>
        <source>Show or hide the list of conversations (Ctrl+Shift+L)</source>
        <translation>显示或隐藏对话列表（Ctrl+Shift+L）</translation>
    </message>
    <message>
        <source>Ask About a Re&amp;gion</source>
        <translation>询问某个区域(&amp;G)</translation>
    </message>
    <message>
        <source>Cancel &amp;Loading</source>
        <translation>取消加载(&amp;L)</translation>
    </message>
    <message>
        <source>Take a Screens&amp;hot…</source>
        <translation>截取屏幕(&amp;H)…</translation>
    </message>
    <message>
        <source>Add a part of the screen as a picture (Ctrl+Shift+I)</source>
        <translation>把屏幕的一部分添加为图片（Ctrl+Shift+I）</translation>
    </message>
    <message>
        <source>&amp;Take a Picture…</source>
        <translation>拍照(&amp;T)…</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::CameraDialog</name>
    <message>
        <source>Take a Picture</source>
        <translation>拍照</translation>
    </message>
    <message>
        <source>Take the Picture</source>
        <translation>拍下照片</translation>
    </message>
    <message>
        <source>The camera did not work: %1</source>
        <translation>相机出错：%1</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ChatPane</name>
    <message>
        <source>Sent with your next question: %1</source>
        <translation>将随下一个问题发送：%1</translation>
    </message>
    <message>
        <source>Ask about the pictures in any language, e.g. “What is in the picture?” or “框出图中的猫”. Enter sends, Shift+Enter starts a new line.</source>
        <translation>用任何语言询问图片，例如“图里有什么？”或“框出图中的猫”。Enter 发送，Shift+Enter 换行。</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Enter sends the question; Shift+Enter starts a new line.</source>
        <translation>Enter 发送问题；Shift+Enter 换行。</translation>
    </message>
    <message>
        <source>Pictures to send</source>
        <translation>待发送的图片</translation>
    </message>
    <message>
        <source>Editing an earlier question: Send asks it again, and what followed stays as another branch (‹ 1/2 › at the question).</source>
        <translation>正在编辑之前的问题：发送后会重新提问，之后的内容保留为另一个分支（在问题处用 ‹ 1/2 › 切换）。</translation>
    </message>
    <message>
        <source>Cancel Edit</source>
        <translation>取消编辑</translation>
    </message>
    <message>
        <source>Stop editing (Esc); the question box is emptied</source>
        <translation>停止编辑（Esc）；提问框将被清空</translation>
    </message>
    <message>
        <source>Cancel editing the question</source>
        <translation>取消编辑问题</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Drop pictures anywhere on the window, paste one with Ctrl+V or add them with Ctrl+I, then ask about them below. Ask “Where is the cat?” and the boxes appear on the picture.</source>
        <translation>把图片拖到窗口任意位置、用 Ctrl+V 粘贴或用 Ctrl+I 添加，然后在下方提问。问“猫在哪里？”，框就会出现在图片上。</translation>
    </message>
    <message>
        <source>Scroll to the newest message</source>
        <translation>滚动到最新的消息</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::DemoRunner</name>
    <message>
        <source>Saved %1 (%2 × %3)</source>
        <translation>已保存 %1（%2 × %3）</translation>
    </message>
    <message>
        <source>Cannot write the screenshot “%1”: %2</source>
        <translation>无法写入截图“%1”：%2</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ImageCanvas</name>
    <message>
        <source>Picture view</source>
        <translation>图片视图</translation>
    </message>
    <message>
        <source>Wheel or Ctrl+= / Ctrl+- to zoom, drag to pan, Shift+drag to ask about a region</source>
        <translation>滚轮或 Ctrl+= / Ctrl+- 缩放，拖动平移，按住 Shift 拖动可询问某个区域</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::KioskCountdown</name>
    <message>
        <source>Still there?</source>
        <translation>还在吗？</translation>
    </message>
    <message numerus="yes">
        <source>This visit ends in %n second(s) and everything of it is deleted.</source>
        <translation>
            <numerusform>本次体验将在 %n 秒后结束，所有内容都会被删除。</numerusform>
        </translation>
    </message>
    <message>
        <source>I’m still here</source>
        <translation>我还在</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::KioskErrorScreen</name>
    <message>
        <source>This kiosk cannot start</source>
        <translation>展台无法启动</translation>
    </message>
    <message>
        <source>Fix the kiosk configuration (see docs/kiosk.md); the kiosk starts again by itself once the file is valid.</source>
        <translation>请修正展台配置（见 docs/kiosk.md）；配置文件有效后展台会自动重新启动。</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::KioskPinPad</name>
    <message>
        <source>Too many wrong PINs: try again in a minute</source>
        <translation>PIN 错误次数过多：请一分钟后再试</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>PIN 错误</translation>
    </message>
    <message>
        <source>Enter the admin PIN to leave kiosk mode</source>
        <translation>输入管理员 PIN 以退出展台模式</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::KioskWindow</name>
    <message>
        <source>The camera did not work: %1</source>
        <translation>相机出错：%1</translation>
    </message>
    <message>
        <source>Ask the picture</source>
        <translation>看图问答</translation>
    </message>
    <message>
        <source>Start over</source>
        <translation>重新开始</translation>
    </message>
    <message>
        <source>Touch to start</source>
        <translation>点击开始</translation>
    </message>
    <message>
        <source>Show an object or choose a picture, ask a question, and see the answer drawn on it.</source>
        <translation>展示一件物品或选择一张图片，提出问题，答案会直接画在图上。</translation>
    </message>
    <message>
        <source>Show an object to the camera, or choose a picture</source>
        <translation>把物品对准相机，或选择一张图片</translation>
    </message>
    <message>
        <source>Choose a picture</source>
        <translation>选择一张图片</translation>
    </message>
    <message>
        <source>Show an object to the camera</source>
        <translation>把物品对准相机</translation>
    </message>
    <message>
        <source>Take the picture</source>
        <translation>拍照</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Ask about the picture</source>
        <translation>关于这张图片提问</translation>
    </message>
    <message>
        <source>Or type your own question…</source>
        <translation>或者输入你自己的问题…</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>提问</translation>
    </message>
    <message>
        <source>Another picture</source>
        <translation>换一张图片</translation>
    </message>
    <message>
        <source>Getting ready… one moment, please.</source>
        <translation>正在准备…请稍候。</translation>
    </message>
    <message>
        <source>Looking at the picture…</source>
        <translation>正在查看图片…</translation>
    </message>
    <message>
        <source>Choose a picture first.</source>
        <translation>请先选择一张图片。</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <source>Sorry, there is no answer this time. Please try again.</source>
        <translation>抱歉，这次没有得到回答。请再试一次。</translation>
    </message>
    <message>
        <source>What would you like to know? Tap a question.</source>
        <translation>你想知道什么？点一个问题吧。</translation>
    </message>
    <message>
        <source>Tap a box or a coloured phrase to see which belongs to which.</source>
        <translation>点一下方框或彩色文字，看看它们如何对应。</translation>
    </message>
    <message>
        <source>This kiosk cannot answer questions right now.

%1</source>
        <translation>展台现在无法回答问题。

%1</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::LibrarySidebar</name>
    <message>
        <source>Pictures only</source>
        <translation>只有图片</translation>
    </message>
    <message>
        <source>%1
Last changed %2</source>
        <translation>%1
最后修改于 %2</translation>
    </message>
    <message>
        <source>Rename Conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>There is no conversations library.</source>
        <translation>没有对话库。</translation>
    </message>
    <message>
        <source>Delete Conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete the conversation “%1” with its pictures? This cannot be undone.</source>
        <translation>删除对话“%1”及其图片？此操作无法撤销。</translation>
    </message>
    <message>
        <source>The conversation shown cannot be deleted.</source>
        <translation>无法删除当前显示的对话。</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Rename</source>
        <translation>重命名(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>删除(&amp;D)…</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Enter opens, F2 renames, Delete deletes</source>
        <translation>Enter 打开，F2 重命名，Delete 删除</translation>
    </message>
    <message>
        <source>Conversations library</source>
        <translation>对话库</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Picture and chat</source>
        <translation>图片与对话</translation>
    </message>
    <message>
        <source>Picture</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>模型状态</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>Loading the model… %1%</source>
        <translation>正在加载模型… %1%</translation>
    </message>
    <message>
        <source>Model ready: %1</source>
        <translation>模型就绪：%1</translation>
    </message>
    <message>
        <source>Model not loaded</source>
        <translation>模型未加载</translation>
    </message>
    <message>
        <source>Open Conversation</source>
        <translation>打开对话</translation>
    </message>
    <message>
        <source>QwenVL Studio conversations (*.json)</source>
        <translation>QwenVL Studio 对话 (*.json)</translation>
    </message>
    <message>
        <source>Save Conversation</source>
        <translation>保存对话</translation>
    </message>
    <message>
        <source>Export to Markdown</source>
        <translation>导出为 Markdown</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>Add Pictures</source>
        <translation>添加图片</translation>
    </message>
    <message>
        <source>There is no picture to save yet.</source>
        <translation>还没有可保存的图片。</translation>
    </message>
    <message>
        <source>Save Picture with Boxes</source>
        <translation>保存带框的图片</translation>
    </message>
    <message>
        <source>PNG picture (*.png);;JPEG picture (*.jpg *.jpeg)</source>
        <translation>PNG 图片 (*.png);;JPEG 图片 (*.jpg *.jpeg)</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>已复制。</translation>
    </message>
    <message>
        <source>Pictures already sent stay in the conversation, so it stays as the model saw it.</source>
        <translation>已发送的图片会留在对话中，以保持模型所见的原样。</translation>
    </message>
    <message>
        <source>Choose the Qwen-VL-Chat-Int4 Folder</source>
        <translation>选择 Qwen-VL-Chat-Int4 文件夹</translation>
    </message>
    <message>
        <source>The clipboard holds no picture. Copy a picture or a picture file first.</source>
        <translation>剪贴板中没有图片。请先复制一张图片或图片文件。</translation>
    </message>
    <message>
        <source>this region</source>
        <translation>这个区域</translation>
    </message>
    <message>
        <source>The model reads boxes against the latest picture of the conversation, which is not the one shown.</source>
        <translation>模型会按对话中最新的一张图片来理解框，而它不是当前显示的这张。</translation>
    </message>
    <message>
        <source>There is no picture to ask about yet.</source>
        <translation>还没有可以询问的图片。</translation>
    </message>
    <message>
        <source>conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <source>%1[*] — QwenVL Studio</source>
        <translation>%1[*] — QwenVL Studio</translation>
    </message>
    <message>
        <source>The previous conversation is kept in “%1”; File › Open Conversation… opens it again.</source>
        <translation>上一个对话已保存在“%1”；可通过“文件 › 打开对话…”再次打开。</translation>
    </message>
    <message>
        <source>New Conversation</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <source>Save the changes to “%1” before starting a new conversation?</source>
        <translation>开始新对话之前，是否保存对“%1”的更改？</translation>
    </message>
    <message>
        <source>Either way, they stay in the conversations library.</source>
        <translation>无论如何，这些更改都会保留在对话库中。</translation>
    </message>
    <message>
        <source>Drop the pictures to add them to the conversation</source>
        <translation>松开鼠标，把图片添加到对话中</translation>
    </message>
    <message>
        <source>This desktop does not let apps take screenshots. Take one with the desktop&apos;s own tool and paste it (Ctrl+V).</source>
        <translation>此桌面不允许应用截屏。请用桌面自带的工具截图，再粘贴进来（Ctrl+V）。</translation>
    </message>
    <message>
        <source>screenshot %1.png</source>
        <translation>截图 %1.png</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::MessageBar</name>
    <message>
        <source>Close this message</source>
        <translation>关闭此消息</translation>
    </message>
    <message>
        <source>Close message</source>
        <translation>关闭消息</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Error message</source>
        <translation>错误消息</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::MessageView</name>
    <message>
        <source>You · %1</source>
        <translation>你 · %1</translation>
    </message>
    <message>
        <source>Qwen-VL · %1</source>
        <translation>Qwen-VL · %1</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy this question</source>
        <translation>复制这个问题</translation>
    </message>
    <message>
        <source>Copy question</source>
        <translation>复制问题</translation>
    </message>
    <message>
        <source>Copy reply</source>
        <translation>复制回答</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Answer the last question again (Ctrl+R)</source>
        <translation>重新回答最后一个问题（Ctrl+R）</translation>
    </message>
    <message>
        <source>Regenerate reply</source>
        <translation>重新生成回答</translation>
    </message>
    <message>
        <source>Your question</source>
        <translation>你的问题</translation>
    </message>
    <message>
        <source>Reply from Qwen-VL</source>
        <translation>Qwen-VL 的回答</translation>
    </message>
    <message>
        <source>Message from you</source>
        <translation>你的消息</translation>
    </message>
    <message>
        <source>Message from Qwen-VL</source>
        <translation>Qwen-VL 的消息</translation>
    </message>
    <message>
        <source>Reply details</source>
        <translation>回答详情</translation>
    </message>
    <message>
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <source>Reply %1 of %2</source>
        <translation>第 %1 个回复，共 %2 个</translation>
    </message>
    <message>
        <source>Show the earlier reply</source>
        <translation>显示较早的回复</translation>
    </message>
    <message>
        <source>Earlier reply</source>
        <translation>较早的回复</translation>
    </message>
    <message>
        <source>Show the later reply</source>
        <translation>显示较新的回复</translation>
    </message>
    <message>
        <source>Later reply</source>
        <translation>较新的回复</translation>
    </message>
    <message>
        <source>%1 (click to show it)</source>
        <translation>%1（点击显示）</translation>
    </message>
    <message>
        <source>Show the picture %1</source>
        <translation>显示图片 %1</translation>
    </message>
    <message>
        <source>Question %1 of %2</source>
        <translation>第 %1 个问题，共 %2 个</translation>
    </message>
    <message>
        <source>Show the earlier question and its replies</source>
        <translation>显示较早的问题及其回答</translation>
    </message>
    <message>
        <source>Earlier question</source>
        <translation>较早的问题</translation>
    </message>
    <message>
        <source>Show the later question and its replies</source>
        <translation>显示较新的问题及其回答</translation>
    </message>
    <message>
        <source>Later question</source>
        <translation>较新的问题</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit this question and send it again; what follows stays as another branch</source>
        <translation>编辑这个问题并重新发送；之后的内容保留为另一个分支</translation>
    </message>
    <message>
        <source>Edit question</source>
        <translation>编辑问题</translation>
    </message>
    <message>
        <source>Copy this reply as Markdown (without the box markup)</source>
        <translation>以 Markdown 复制这条回答（不含框的标记）</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ModelPanel</name>
    <message>
        <source>&lt;p&gt;QwenVL Studio runs &lt;b&gt;Qwen-VL-Chat-Int4&lt;/b&gt; (about 10 GB) on this computer and never downloads anything by itself. To get the model, run in a terminal:&lt;/p&gt;&lt;pre&gt;%1&lt;/pre&gt;&lt;p&gt;Then choose the new folder with &lt;b&gt;Open Model Folder…&lt;/b&gt; (Ctrl+M), or start the app with &lt;code&gt;--model FOLDER&lt;/code&gt;.&lt;/p&gt;</source>
        <translation>&lt;p&gt;QwenVL Studio 在这台电脑上运行 &lt;b&gt;Qwen-VL-Chat-Int4&lt;/b&gt;（约 10 GB），从不自行下载任何东西。要获取模型，请在终端中运行：&lt;/p&gt;&lt;pre&gt;%1&lt;/pre&gt;&lt;p&gt;然后用&lt;b&gt;打开模型文件夹…&lt;/b&gt;（Ctrl+M）选择新的文件夹，或者用 &lt;code&gt;--model 文件夹&lt;/code&gt; 启动本程序。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>No model loaded yet</source>
        <translation>尚未加载模型</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>&lt;p&gt;From &lt;code&gt;%1&lt;/code&gt;: %2&lt;/p&gt;</source>
        <translation>&lt;p&gt;来自 &lt;code&gt;%1&lt;/code&gt;：%2&lt;/p&gt;</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>正在开始</translation>
    </message>
    <message>
        <source>The model could not be loaded</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <source>&lt;p&gt;%1&lt;/p&gt;&lt;p&gt;Folder: &lt;code&gt;%2&lt;/code&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;%1&lt;/p&gt;&lt;p&gt;文件夹：&lt;code&gt;%2&lt;/code&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Model ready</source>
        <translation>模型就绪</translation>
    </message>
    <message>
        <source>Measured on this computer: the CPU backend should write about %1 tokens per second (%2 threads, memory %3 GB/s).</source>
        <translation>在这台电脑上实测：CPU 后端每秒约可生成 %1 个词元（%2 个线程，内存带宽 %3 GB/s）。</translation>
    </message>
    <message>
        <source>Measuring the speed to expect on this computer&apos;s processor…</source>
        <translation>正在测量这台电脑的处理器可达到的速度…</translation>
    </message>
    <message>
        <source>The GPU backend is not installed (package qwenvl-studio-cuda). The model runs on the CPU backend, which is much slower but gives the same answers.</source>
        <translation>未安装 GPU 后端（软件包 qwenvl-studio-cuda）。模型在 CPU 后端上运行，速度慢得多，但回答相同。</translation>
    </message>
    <message>
        <source>%p%</source>
        <translation>%p%</translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation>模型加载进度</translation>
    </message>
    <message>
        <source>Open Model Folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <source>Try Again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Try loading the model again</source>
        <translation>重新尝试加载模型</translation>
    </message>
    <message>
        <source>Use the CPU Backend</source>
        <translation>使用 CPU 后端</translation>
    </message>
    <message>
        <source>Use the CPU backend</source>
        <translation>使用 CPU 后端</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel loading the model</source>
        <translation>取消加载模型</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>模型状态</translation>
    </message>
    <message>
        <source>Graphics card status</source>
        <translation>显卡状态</translation>
    </message>
    <message>
        <source>No GPU can be used: %1 The model runs on the CPU backend instead, which is much slower but gives the same answers.</source>
        <translation>没有可用的 GPU：%1 模型改在 CPU 后端上运行，速度慢得多，但回答相同。</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::PicturePane</name>
    <message>
        <source>No picture yet.

Drop pictures here, paste one (Ctrl+V) or add them with Ctrl+I.</source>
        <translation>还没有图片。

把图片拖到这里、粘贴（Ctrl+V），或者用 Ctrl+I 添加。</translation>
    </message>
    <message>
        <source>No picture yet</source>
        <translation>还没有图片</translation>
    </message>
    <message>
        <source>%1 · %2 × %3 · %4%</source>
        <translation>%1 · %2 × %3 · %4%</translation>
    </message>
    <message>
        <source>unlabelled</source>
        <translation>无标签</translation>
    </message>
    <message numerus="yes">
        <source>%n box(es)</source>
        <translation>
            <numerusform>%n 个框</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2 × %3 pixels.</source>
        <translation>%1，%2 × %3 像素。</translation>
    </message>
    <message>
        <source>Boxes: %1.</source>
        <translation>框：%1。</translation>
    </message>
    <message>
        <source>Picture details</source>
        <translation>图片详情</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::PromptPresets</name>
    <message>
        <source>Describe</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Describe this picture in detail.</source>
        <translation>详细描述这张图片。</translation>
    </message>
    <message>
        <source>Find all …</source>
        <translation>找出所有…</translation>
    </message>
    <message>
        <source>Find all </source>
        <translation>框出图中所有的</translation>
    </message>
    <message>
        <source> in the picture and outline each one.</source>
        <translation>。</translation>
    </message>
    <message>
        <source>Where is …?</source>
        <translation>…在哪里？</translation>
    </message>
    <message>
        <source>Where is the </source>
        <translation>框出图中的</translation>
    </message>
    <message>
        <source>? Outline it.</source>
        <translation>。</translation>
    </message>
    <message>
        <source>Read the text</source>
        <translation>识别文字</translation>
    </message>
    <message>
        <source>Read all the text in this picture, exactly as written.</source>
        <translation>照原样读出这张图片中的所有文字。</translation>
    </message>
    <message>
        <source>Ask: %1</source>
        <translation>提问：%1</translation>
    </message>
    <message>
        <source>Start the question: %1…%2</source>
        <translation>开始提问：%1…%2</translation>
    </message>
    <message>
        <source>Prompt presets</source>
        <translation>预设提示</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::RegionChips</name>
    <message>
        <source>this region</source>
        <translation>这个区域</translation>
    </message>
    <message>
        <source>Region %1: pixels (%2, %3)–(%4, %5) of the picture; the model reads (%6, %7), (%8, %9)</source>
        <translation>区域 %1：图片中的像素 (%2, %3)–(%4, %5)；模型读到的是 (%6, %7), (%8, %9)</translation>
    </message>
    <message>
        <source>Name of region %1</source>
        <translation>区域 %1 的名称</translation>
    </message>
    <message>
        <source>Remove this region from the question</source>
        <translation>从问题中移除这个区域</translation>
    </message>
    <message>
        <source>Remove region %1</source>
        <translation>移除区域 %1</translation>
    </message>
    <message>
        <source>Regions to ask about</source>
        <translation>要询问的区域</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::RegionDialog</name>
    <message>
        <source>Ask About a Region</source>
        <translation>询问某个区域</translation>
    </message>
    <message>
        <source>The region of the picture shown, in pixels (the picture is %1 × %2). It enters your question as a box the model understands.</source>
        <translation>当前图片中的区域，以像素为单位（图片为 %1 × %2）。它会以模型能理解的框的形式加入你的问题。</translation>
    </message>
    <message>
        <source>&amp;Left:</source>
        <translation>左边(&amp;L)：</translation>
    </message>
    <message>
        <source>&amp;Top:</source>
        <translation>上边(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Width:</source>
        <translation>宽度(&amp;W)：</translation>
    </message>
    <message>
        <source>&amp;Height:</source>
        <translation>高度(&amp;H)：</translation>
    </message>
    <message>
        <source>&amp;Name it:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Left edge in pixels</source>
        <translation>左边缘（像素）</translation>
    </message>
    <message>
        <source>Top edge in pixels</source>
        <translation>上边缘（像素）</translation>
    </message>
    <message>
        <source>Width in pixels</source>
        <translation>宽度（像素）</translation>
    </message>
    <message>
        <source>Height in pixels</source>
        <translation>高度（像素）</translation>
    </message>
    <message>
        <source>Name of the region</source>
        <translation>区域名称</translation>
    </message>
    <message>
        <source>this region</source>
        <translation>这个区域</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ScreenRegionPicker</name>
    <message>
        <source>Choose the Part of the Screen</source>
        <translation>选择屏幕的一部分</translation>
    </message>
    <message>
        <source>Screenshot: drag to choose a part, Enter keeps it, Esc cancels</source>
        <translation>截图：拖动选择一部分，Enter 保留，Esc 取消</translation>
    </message>
    <message>
        <source>Drag to choose a part of the screen; Enter keeps it (the whole screen if nothing is chosen), Esc cancels</source>
        <translation>拖动选择屏幕的一部分；Enter 保留（未选择时保留整个屏幕），Esc 取消</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::SettingsDialog</name>
    <message>
        <source>Choose the Qwen-VL-Chat-Int4 Folder</source>
        <translation>选择 Qwen-VL-Chat-Int4 文件夹</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Generation</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Conversation</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Interface</source>
        <translation>界面(&amp;I)</translation>
    </message>
    <message>
        <source>Model &amp;folder:</source>
        <translation>模型文件夹(&amp;F)：</translation>
    </message>
    <message>
        <source>The folder of Qwen-VL-Chat-Int4 (with config.json)</source>
        <translation>Qwen-VL-Chat-Int4 的文件夹（包含 config.json）</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>Browse for the model folder</source>
        <translation>浏览模型文件夹</translation>
    </message>
    <message>
        <source>Run on:</source>
        <translation>运行于：</translation>
    </message>
    <message>
        <source>&amp;GPU (CUDA)</source>
        <translation>GPU（CUDA）(&amp;G)</translation>
    </message>
    <message>
        <source>C&amp;PU</source>
        <translation>CPU(&amp;P)</translation>
    </message>
    <message>
        <source>A GPU is available.</source>
        <translation>有可用的 GPU。</translation>
    </message>
    <message>
        <source>No GPU can be used: %1</source>
        <translation>没有可用的 GPU：%1</translation>
    </message>
    <message>
        <source>The GPU backend is not installed (package qwenvl-studio-cuda); the CPU backend is used.</source>
        <translation>未安装 GPU 后端（软件包 qwenvl-studio-cuda）；将使用 CPU 后端。</translation>
    </message>
    <message>
        <source>CPU &amp;threads:</source>
        <translation>CPU 线程数(&amp;T)：</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <source>&amp;Greedy (always the most likely word; no sampling)</source>
        <translation>贪心解码(&amp;G)（总是选最可能的词，不采样）</translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation>温度(&amp;T)：</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-&amp;p:</source>
        <translation>Top-&amp;p：</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Top-&amp;k:</source>
        <translation>Top-&amp;k：</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>&amp;Repetition penalty:</source>
        <translation>重复惩罚(&amp;R)：</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>&amp;Longest reply (tokens):</source>
        <translation>最长回答（词元数）(&amp;L)：</translation>
    </message>
    <message>
        <source>Longest reply in tokens</source>
        <translation>最长回答的词元数</translation>
    </message>
    <message>
        <source>Fixed &amp;seed:</source>
        <translation>固定随机种子(&amp;S)：</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Restore the Model’s &amp;Defaults</source>
        <translation>恢复模型默认值(&amp;D)</translation>
    </message>
    <message>
        <source>Restore the model’s default sampling</source>
        <translation>恢复模型的默认采样设置</translation>
    </message>
    <message>
        <source>&amp;System prompt (used for new conversations and the current one):</source>
        <translation>系统提示词(&amp;S)（用于新对话和当前对话）：</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>&amp;Reopen the last conversation at start</source>
        <translation>启动时重新打开上次的对话(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Settings pages</source>
        <translation>设置页面</translation>
    </message>
    <message>
        <source>0 (greedy)</source>
        <translation>0（贪心解码）</translation>
    </message>
    <message>
        <source>&amp;Colours:</source>
        <translation>配色(&amp;C)：</translation>
    </message>
    <message>
        <source>As the desktop</source>
        <translation>跟随桌面</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Colours</source>
        <translation>配色</translation>
    </message>
    <message>
        <source>&amp;Text size:</source>
        <translation>文字大小(&amp;T)：</translation>
    </message>
    <message>
        <source> pt</source>
        <translation> 磅</translation>
    </message>
    <message>
        <source>Text size in points</source>
        <translation>文字大小（磅）</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>服务器(&amp;S)：</translation>
    </message>
    <message>
        <source>Empty: run the model here. Else http://host:port of an OpenAI-compatible server</source>
        <translation>留空：在本机运行模型。否则填写兼容 OpenAI 的服务器地址 http://主机:端口</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>Server API key</source>
        <translation>服务器 API 密钥</translation>
    </message>
    <message>
        <source>Server mo&amp;del:</source>
        <translation>服务器模型(&amp;D)：</translation>
    </message>
    <message>
        <source>Empty: the first model the server lists</source>
        <translation>留空：使用服务器列出的第一个模型</translation>
    </message>
    <message>
        <source>Model name on the server</source>
        <translation>服务器上的模型名称</translation>
    </message>
    <message>
        <source>Lo&amp;w-memory mode (for GPUs of about 8 GB)</source>
        <translation>低显存模式（适合约 8 GB 显存的 GPU）(&amp;W)</translation>
    </message>
    <message>
        <source>Low-memory mode</source>
        <translation>低显存模式</translation>
    </message>
    <message>
        <source>Keeps the picture encoder in the computer’s memory and streams it to the GPU for each picture: about 3 GB less GPU memory, pictures take a little longer. Used by itself when the GPU has too little free memory. Changing it reloads the model.</source>
        <translation>图片编码器留在电脑内存中，每张图片时再逐层传到 GPU：少用约 3 GB 显存，处理图片稍慢。GPU 可用显存不足时会自动使用。更改后会重新加载模型。</translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ThumbnailStrip</name>
    <message>
        <source>Pictures of this conversation</source>
        <translation>本对话中的图片</translation>
    </message>
    <message>
        <source>Arrow keys choose the picture shown; Delete removes a picture not sent yet.</source>
        <translation>方向键选择要显示的图片；Delete 键移除尚未发送的图片。</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>尚未发送</translation>
    </message>
    <message>
        <source>Picture %1: %2, %3 × %4 pixels, %5</source>
        <translation>图片 %1：%2，%3 × %4 像素，%5</translation>
    </message>
    <message>
        <source>Picture %1: %2, %3</source>
        <translation>图片 %1：%2，%3</translation>
    </message>
    <message>
        <source>Remove from the Conversation</source>
        <translation>从对话中移除</translation>
    </message>
    <message>
        <source>Pictures already sent stay, so the conversation stays as the model saw it.</source>
        <translation>已发送的图片会保留，以保持对话是模型所见的原样。</translation>
    </message>
</context>
</TS>
