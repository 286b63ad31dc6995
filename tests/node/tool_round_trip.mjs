// A tool round trip with the official JavaScript SDK: the model calls a tool, the result goes back,
// the final answer arrives. Reads SB_BASE_URL, SB_API_KEY and SB_MODEL; prints what happened as JSON.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.SB_BASE_URL, apiKey: process.env.SB_API_KEY, maxRetries: 0 });
const model = process.env.SB_MODEL;
const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
];
const messages = [{ role: "user", content: "What is the weather in Paris?" }];

const first = await client.chat.completions.create({ model, messages, tools });
const call = first.choices[0].message.tool_calls[0];
messages.push(first.choices[0].message);
messages.push({ role: "tool", tool_call_id: call.id, content: "Sunny and 21 degrees" });

let streamedArguments = "";
const stream = await client.chat.completions.create({ model, messages: messages.slice(0, 1), tools, stream: true });
for await (const chunk of stream) {
  for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) streamedArguments += delta.function?.arguments ?? "";
}

const final = await client.chat.completions.create({ model, messages, tools });
console.log(
  JSON.stringify({
    finish_reason: first.choices[0].finish_reason,
    tool: call.function.name,
    arguments: JSON.parse(call.function.arguments),
    streamed_arguments: JSON.parse(streamedArguments),
    answer: final.choices[0].message.content,
    final_finish_reason: final.choices[0].finish_reason,
  }),
);
