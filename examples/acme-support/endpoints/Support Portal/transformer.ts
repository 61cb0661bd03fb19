createRestTransformer({
    handleInput: async ({ payload, endpoint }) => {
        return null;
    },
    handleOutput: async ({ output, endpoint, userId, sessionId }) => {
        return output;
    },
    handleExecutionFinished: async ({ processedOutput, outputs, userId, sessionId, endpoint, response }) => {
        return processedOutput;
    }
});