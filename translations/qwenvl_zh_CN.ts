<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CommandLine</name>
    <message>
        <source>QwenVL Studio: chat with Qwen-VL-Chat-Int4 about your pictures, on your own computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load the Qwen-VL-Chat-Int4 model from &lt;folder&gt;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the model on &lt;backend&gt;: cuda or cpu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>backend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interface language: en or zh_CN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start with an empty conversation instead of the last one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replay the scripted conversation in &lt;file&gt; instead of running a model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>With --demo-script: save the window to &lt;png&gt; when the reply is done, then quit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>png</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pictures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures to add to the conversation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[pictures…]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown backend “%1”: use cuda or cpu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown language “%1”: use %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--screenshot needs --demo-script.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConversationStore</name>
    <message>
        <source>Cannot create the folder “%1” for the conversation’s pictures.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the picture “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the conversation to “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” cannot be opened: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it is not valid JSON (%1 at byte %2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it is not a QwenVL Studio conversation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it has format version %1; this version of QwenVL Studio reads version %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a picture entry is incomplete.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a message has no valid id.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a message refers to a picture that is not listed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a reply refers to a picture that is not listed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a reply has an unknown state.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a message has the unknown role “%1”.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DemoScriptReader</name>
    <message>
        <source>Cannot read the demo script “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The demo script “%1” is not a JSON object (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The demo script “%1” needs a &quot;question&quot; and a &quot;reply&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MarkdownExport</name>
    <message>
        <source>The pictures of the conversation are not all decoded yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create the folder “%1”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conversation with Qwen-VL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported from QwenVL Studio on %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System prompt:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Qwen-VL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Boxes on %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReplyFormat</name>
    <message numerus="yes">
        <source>Prompt: %n token(s), %1 s</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Reply: %n token(s), %1 tokens/s</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Writing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped: the conversation is too long for the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped at the length limit (Settings › Generation)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::app::ChatController</name>
    <message>
        <source>The model cannot use the picture “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model folder “%1” does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model is still loading.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load a model first (Model › Open Model Folder…).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait for the reply to finish, or stop it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures are still being opened.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write a question or add a picture first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no reply to regenerate.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model could not answer: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::app::FileJobs</name>
    <message>
        <source>“%1”: choose a file name ending in .png or .jpg.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no picture to save.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::app::InferenceWorker</name>
    <message>
        <source>This build of QwenVL Studio has no inference engine.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The picture has no pixel data.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A picture of this question could not be given to the model.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::app::PictureImporter</name>
    <message>
        <source>“%1” does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is a folder, not a picture.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is larger than 512 MB; pictures that large are refused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read “%1”: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pasted picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” cannot be used as a picture: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::Actions</name>
    <message>
        <source>&amp;New Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Conversation…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save Conversation &amp;As…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export to Markdown…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add &amp;Pictures…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save Picture with &amp;Boxes…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Paste Picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy Last Reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the question (Enter; Shift+Enter starts a new line)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the reply (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Regenerate Last Reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the &amp;Question Box</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask About a &amp;Region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drag a rectangle on the picture to ask about that region (or Shift+drag at any time)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask About a Region by &amp;Coordinates…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Actual Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;Boxes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show or hide the boxes the model drew (Ctrl+B)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Previous Picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Next Picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the P&amp;icture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Model Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel Loading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run on the &amp;GPU (CUDA)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run on the &amp;CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How to &amp;Get the Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About QwenVL Studio</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ChatPane</name>
    <message>
        <source>Sent with your next question: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask about the pictures in any language, e.g. “What is in the picture?” or “框出图中的猫”. Enter sends, Shift+Enter starts a new line.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter sends the question; Shift+Enter starts a new line.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures to send</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ChatView</name>
    <message>
        <source>Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drop pictures anywhere on the window, paste one with Ctrl+V or add them with Ctrl+I, then ask about them below. Ask “Where is the cat?” and the boxes appear on the picture.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::DemoRunner</name>
    <message>
        <source>Cannot write the screenshot “%1”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved %1 (%2 × %3)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ImageCanvas</name>
    <message>
        <source>Picture view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wheel or Ctrl+= / Ctrl+- to zoom, drag to pan, Shift+drag to ask about a region</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture and chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — QwenVL Studio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the model… %1%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model ready: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model not loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QwenVL Studio conversations (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export to Markdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add Pictures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures (*.jpg *.jpeg *.png);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no picture to save yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save Picture with Boxes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG picture (*.png);;JPEG picture (*.jpg *.jpeg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures already sent stay in the conversation, so it stays as the model saw it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the Qwen-VL-Chat-Int4 Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The clipboard holds no picture. Copy a picture or a picture file first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model reads boxes against the latest picture of the conversation, which is not the one shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no picture to ask about yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The last conversation could not be restored and was kept aside as “%1”. %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Command</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New line in the question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shift+Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask about a region by dragging</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shift+drag on the picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom and pan the picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>+ − 0 1 and the arrow keys, in the picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How to Get the Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QwenVL Studio runs Qwen-VL-Chat-Int4 on this computer and never downloads it by itself. In a terminal, run:

%1

Then choose Model › Open Model Folder… and pick the new Qwen-VL-Chat-Int4 folder, or start the app with --model FOLDER.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About QwenVL Studio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;QwenVL Studio %1&lt;/h3&gt;&lt;p&gt;Chat with Qwen-VL-Chat-Int4 about your pictures, on your own computer. The boxes the model draws appear on the picture as the answer arrives.&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::MessageBar</name>
    <message>
        <source>Close this message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error message</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::MessageView</name>
    <message>
        <source>You · %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Qwen-VL · %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy this question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy this reply (without the box markup)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer the last question again (Ctrl+R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Regenerate reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply from Qwen-VL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message from you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message from Qwen-VL</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ModelPanel</name>
    <message>
        <source>&lt;p&gt;QwenVL Studio runs &lt;b&gt;Qwen-VL-Chat-Int4&lt;/b&gt; (about 10 GB) on this computer and never downloads anything by itself. To get the model, run in a terminal:&lt;/p&gt;&lt;pre&gt;%1&lt;/pre&gt;&lt;p&gt;Then choose the new folder with &lt;b&gt;Open Model Folder…&lt;/b&gt; (Ctrl+M), or start the app with &lt;code&gt;--model FOLDER&lt;/code&gt;.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model loaded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;p&gt;From &lt;code&gt;%1&lt;/code&gt;: %2&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>starting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model could not be loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;p&gt;%1&lt;/p&gt;&lt;p&gt;Folder: &lt;code&gt;%2&lt;/code&gt;&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No GPU can be used (%1). The model runs on the CPU backend instead, which is much slower but gives the same answers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This build has no CUDA backend. The model runs on the CPU backend, which is much slower but gives the same answers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%p%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Model Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try Again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try loading the model again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the CPU Backend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the CPU backend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel loading the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graphics card status</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::PicturePane</name>
    <message>
        <source>No picture yet.

Drop pictures here, paste one (Ctrl+V) or add them with Ctrl+I.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No picture yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 × %3 · %4%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unlabelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n box(es)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2 × %3 pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Boxes: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture details</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::RegionDialog</name>
    <message>
        <source>Ask About a Region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The region of the picture shown, in pixels (the picture is %1 × %2). It enters your question as a box the model understands.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Left:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Top:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Width:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Height:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name it:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left edge in pixels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top edge in pixels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Width in pixels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Height in pixels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name of the region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::SettingsDialog</name>
    <message>
        <source>Choose the Qwen-VL-Chat-Int4 Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Generation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Interface</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model &amp;folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder of Qwen-VL-Chat-Int4 (with config.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse for the model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run on:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;GPU (CUDA)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;PU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A GPU is available.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No GPU can be used: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This build has no CUDA backend; the CPU backend is used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU &amp;threads:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Greedy (always the most likely word; no sampling)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top-&amp;p:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top-&amp;k:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repetition penalty:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Longest reply (tokens):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Longest reply in tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fixed &amp;seed:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore the Model’s &amp;Defaults</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore the model’s default sampling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;System prompt (used for new conversations and the current one):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reopen the last conversation at start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::ThumbnailStrip</name>
    <message>
        <source>Pictures of this conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Arrow keys choose the picture shown; Delete removes a picture not sent yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (new)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture %1: %2, %3 × %4 pixels, %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture %1: %2, %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove from the Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures already sent stay, so the conversation stays as the model saw it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
